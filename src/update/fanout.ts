import { readFile } from "node:fs/promises";
import PQueue from "p-queue";
import { isSyscloneError, SyscloneError, type ErrorCode } from "../errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import { checkFingerprintUse, type UpdateStep } from "./steps.js";
import { updateNode, type UpdateDeps, type UpdateOutcome } from "./update-node.js";

/** What updating a noderange needs: one node's update's needs, less what the fan-out makes for each node. */
export interface FanoutDeps extends Omit<UpdateDeps, "serverHost" | "connectTimeoutMs" | "signal" | "report" | "readShared"> {
  /** The nodes and groups the noderange is expanded against. */
  readonly noderange: NoderangeContext;
  /** Aborting stops every node's update. */
  readonly signal: AbortSignal;
  /** Each node's progress as it happens ("done" and "failed: …" included), in the order it happens. */
  readonly report: (node: string, message: string) => void;
}

export interface FanoutRequest {
  readonly noderange: string;
  readonly steps: readonly UpdateStep[];
  /** Postscripts named with -P; undefined: each node's own list. */
  readonly postscripts: readonly string[] | undefined;
  /** With the keys step: the "SHA256:…" fingerprint the node's key must have to be pinned. */
  readonly fingerprint?: string;
  /** Nodes updated at once. */
  readonly fanout: number;
  /** A node taking longer fails with NODE_TIMEOUT. */
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** Why a node's update failed: a SyscloneError's code, message and hint; INTERNAL for anything else. */
export interface NodeFailure {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
}

export function nodeFailure(error: unknown): NodeFailure {
  if (isSyscloneError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

export interface NodeUpdateResult {
  readonly node: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** What was reported for the node, in order. */
  readonly events: string[];
  readonly outcome?: UpdateOutcome;
  readonly error?: NodeFailure;
}

/** updatenode --json prints this, field for field. */
export interface FanoutResult {
  readonly steps: readonly UpdateStep[];
  readonly nodes: readonly NodeUpdateResult[];
  readonly summary: { readonly total: number; readonly ok: number; readonly failed: readonly string[]; readonly seconds: number };
}

/**
 * updatenode: each node of the range updated over SSH, `fanout` at a time, each within its
 * timeout. Refused whole (nothing done) for an unknown node or a fingerprint that cannot apply; a
 * node that fails is a result (and an updatenode-failed event), not an exception.
 */
export async function updateNodes(deps: FanoutDeps, request: FanoutRequest): Promise<FanoutResult> {
  const { store } = deps;
  const { steps, fingerprint, timeoutMs } = request;
  const nodes = expandNoderange(request.noderange, deps.noderange);
  for (const node of nodes) store.requireObject("node", node);
  checkFingerprintUse(steps, fingerprint, nodes);
  const serverUrl = store.setting("server_url");
  const serverHost = serverUrl ? new URL(serverUrl).hostname : "";
  const shared = new Map<string, Promise<string>>();
  const readShared = (file: string): Promise<string> => {
    let read = shared.get(file);
    if (!read) shared.set(file, (read = readFile(file, "utf8")));
    return read;
  };

  // One listener on the caller's signal for all nodes (one per node made Node warn of a leak past 10 at once).
  const running = new Set<AbortController>();
  const abortAll = (): void => {
    for (const controller of running) controller.abort();
  };
  deps.signal.addEventListener("abort", abortAll, { once: true });

  const updateOne = async (node: string): Promise<NodeUpdateResult> => {
    const started = Date.now();
    const events: string[] = [];
    const report = (message: string): void => {
      events.push(message);
      deps.report(node, message);
    };
    const controller = new AbortController();
    running.add(controller);
    if (deps.signal.aborted) controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SyscloneError("NODE_TIMEOUT", `${node} took longer than ${timeoutMs / 1000} s`, { hint: "raise --timeout, or look at the node" }));
      }, timeoutMs);
    });
    try {
      const outcome = await Promise.race([
        updateNode(
          { node, steps, postscripts: request.postscripts, ...(fingerprint !== undefined ? { fingerprint } : {}) },
          {
            store, repository: deps.repository, home: deps.home, postscriptDirs: deps.postscriptDirs,
            privateKeyFile: deps.privateKeyFile, publicKey: deps.publicKey, rshProgram: deps.rshProgram,
            serverHost, connectTimeoutMs: request.connectTimeoutMs, signal: controller.signal, report, readShared,
          },
        ),
        timedOut,
      ]);
      report("done");
      return { node, ok: true, seconds: (Date.now() - started) / 1000, events, outcome };
    } catch (caught) {
      const error = nodeFailure(caught);
      report(`failed: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`);
      store.addEvent({ kind: "updatenode-failed", node, message: `${error.code}: ${error.message}` });
      return { node, ok: false, seconds: (Date.now() - started) / 1000, events, error };
    } finally {
      clearTimeout(timer);
      running.delete(controller);
    }
  };

  const started = Date.now();
  const queue = new PQueue({ concurrency: request.fanout });
  let results: NodeUpdateResult[];
  try {
    results = await queue.addAll(nodes.map((node) => () => updateOne(node)));
  } finally {
    deps.signal.removeEventListener("abort", abortAll);
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.node);
  return { steps, nodes: results, summary: { total: results.length, ok: results.length - failed.length, failed, seconds: (Date.now() - started) / 1000 } };
}

/** updatenode's closing line: "updatenode: sync, software on 4 node(s) in 12.3 s: 3 ok, 1 failed: n04 (SSH_UNREACHABLE)". Pure. */
export function describeFanout(result: FanoutResult): string {
  const { summary } = result;
  const failures = result.nodes.filter((r) => !r.ok).map((r) => `${r.node} (${r.error?.code ?? "?"})`).join(", ");
  const failed = summary.total - summary.ok;
  return `updatenode: ${result.steps.join(", ")} on ${summary.total} node(s) in ${summary.seconds.toFixed(1)} s: ${summary.ok} ok${failed > 0 ? `, ${failed} failed: ${failures}` : ""}`;
}
