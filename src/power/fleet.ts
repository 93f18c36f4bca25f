import { recordAudit, type Actor } from "../audit/record.js";
import { isSyscloneError, type ErrorCode } from "../errors/errors.js";
import type { AuditState } from "../store/audit.js";
import type { NewEvent } from "../store/event-kinds.js";
import type { Store } from "../store/store.js";
import { ipmitoolCommand, type BmcTarget, type IpmiCommand } from "./ipmitool.js";
import { bmcTargetOf } from "./target.js";
import { runInWaves } from "./waves.js";

/** What power, boot device and rinstall need. */
export interface BmcDeps {
  readonly store: Store;
  readonly actor: Actor;
  readonly signal: AbortSignal;
  /** How a target's commands are run: ipmitool by default. */
  readonly ipmiFor?: (target: BmcTarget) => IpmiCommand;
  /** Each node's answer as it comes. */
  readonly report?: (result: NodeResult) => void;
}

export interface BmcFanout {
  /** BMCs talked to at once (default 64). */
  readonly fanout: number;
  /** Nodes per wave; absent: all at once (up to fanout). */
  readonly wave?: number;
  readonly intervalSeconds: number;
}

export interface NodeFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
}

export interface NodeResult {
  readonly node: string;
  readonly ok: boolean;
  /** What the node's line says after "node: ". */
  readonly result?: string;
  readonly error?: NodeFailure;
}

export interface FleetResult {
  readonly nodes: readonly NodeResult[];
  readonly summary: { readonly total: number; readonly ok: number; readonly failed: readonly string[] };
}

/** What one node's work did: its line, its event (if the action changes something) and its audit before/after. */
export interface NodeWork {
  readonly result: string;
  readonly event?: NewEvent;
  readonly audit?: { readonly action: string; readonly before: AuditState; readonly after: AuditState };
}

export function failureOf(error: unknown): NodeFailure {
  if (isSyscloneError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

export function summarise(nodes: readonly NodeResult[]): FleetResult {
  return { nodes, summary: { total: nodes.length, ok: nodes.filter((n) => n.ok).length, failed: nodes.filter((n) => !n.ok).map((n) => n.node) } };
}

/** "3 nodes: 2 ok, 1 failed (n03)". Pure. */
export function describeSummary(result: FleetResult): string {
  const { total, ok, failed } = result.summary;
  return `${total} node${total === 1 ? "" : "s"}: ${ok} ok${failed.length > 0 ? `, ${failed.length} failed (${failed.join(", ")})` : ""}`;
}

/** A node's line: "n01: on", "n02: failed: BMC 10.0.0.2:623 does not answer". Pure. */
export function describeNodeResult(result: NodeResult): string {
  return `${result.node}: ${result.ok ? result.result ?? "ok" : `failed: ${result.error?.message ?? "unknown error"}`}`;
}

/**
 * Runs `work` against each node's BMC, wave after wave, `fanout` at once. Each node fails alone
 * (no BMC defined, unreachable, refused); its event and audit record are written as it finishes,
 * and a failure is an event too (`failedKind`).
 */
export async function forEachBmc(deps: BmcDeps, nodes: readonly string[], fanout: BmcFanout, failed: { kind: NewEvent["kind"]; what: string }, work: (ipmi: IpmiCommand, target: BmcTarget) => Promise<NodeWork>): Promise<FleetResult> {
  const { store, actor } = deps;
  const ipmiFor = deps.ipmiFor ?? ((target: BmcTarget) => ipmitoolCommand(target, { signal: deps.signal }));
  const results = await runInWaves(nodes, { fanout: fanout.fanout, ...(fanout.wave !== undefined ? { wave: fanout.wave } : {}), intervalSeconds: fanout.intervalSeconds, signal: deps.signal }, async (node): Promise<NodeResult> => {
    let outcome: NodeResult;
    try {
      const target = bmcTargetOf(store, node);
      const done = await work(ipmiFor(target), target);
      if (done.event) store.addEvent(done.event);
      if (done.audit) recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: done.audit.action, type: "node", name: node, before: done.audit.before, after: done.audit.after });
      outcome = { node, ok: true, result: done.result };
    } catch (error) {
      const failure = failureOf(error);
      store.addEvent({ kind: failed.kind, node, message: `${failed.what} failed: ${failure.message}`, data: { code: failure.code } });
      outcome = { node, ok: false, error: failure };
    }
    deps.report?.(outcome);
    return outcome;
  });
  return summarise(results);
}
