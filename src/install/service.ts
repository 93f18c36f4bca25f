import { randomUUID, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import type { SyscloneHome } from "../config/paths.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import type { ImageRepository } from "../image/repository.js";
import type { ClonePlan, Inventory } from "../plan/model.js";
import { planClone } from "../plan/planner.js";
import { renderPlan } from "../plan/render.js";
import { isLive, type InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";
import type { MulticastJoin } from "./multicast-join.js";
import { resolveNodeTarget } from "./resolve.js";
import { rsyncSecret } from "./tokens.js";
import { recordHardware } from "../inventory/record.js";

export interface InstallDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly home: SyscloneHome;
  /** Where nodes reach this server, e.g. http://10.0.0.1:8080. */
  readonly serverUrl: string;
  readonly rsyncPort: number;
  readonly serverKey: Buffer;
  /** Signs the plan and the verify list (src/install/signing.ts); without it answers go unsigned and nodes refuse them. */
  readonly signingKey?: KeyObject;
  /** Directories searched for a postscript by name: the home's own first, then the ones shipped with sysclone. */
  readonly postscriptDirs: readonly string[];
  /** Directories searched for a pre-install script by name (default: prescripts/ of the home, then sysclone's). */
  readonly prescriptDirs?: readonly string[];
  /** The last lines of a node's recorded serial console (var/logs/NODE/console.log), for a failed install's event. */
  readonly consoleTail?: (node: string) => string[];
  /** Called when the set of live installs changes, so the rsync daemon's modules follow. */
  readonly onInstallsChanged: () => Promise<void>;
  readonly newUuid?: () => string;
  /** The udp-sender sessions; without them a multicast node is told to use rsync. */
  readonly multicast?: MulticastJoin;
  /** Seconds an unknown or unservable machine waits before it asks /boot again (default 30). */
  readonly retrySeconds?: number;
  /** /boot requests one source address may make per second (burst 20, default 5); more get 429. */
  readonly bootRatePerSecond?: number;
  /** At most this many discovered records (default 1000). */
  readonly maxDiscovered?: number;
  /** Archive streams served at once (default 4); more callers are told to retry. */
  readonly maxArchives?: number;
  /** Bytes of one install's log kept on the server (default 16 MiB); the rest is dropped with a note. */
  readonly maxLogBytes?: number;
}

export interface ProgressReport {
  readonly phase: string;
  readonly percent?: number;
  readonly bytes?: number;
  readonly message?: string;
  /** Multicast: the session joined and the receive rate in bytes per second. */
  readonly session?: string;
  readonly rate?: number;
}

/** A postscript by name: the first of `dirs` that has it (the home's own before sysclone's). */
export function findPostscript(dirs: readonly string[], name: string): string | undefined {
  return dirs.map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}

export async function receiveInventory(deps: InstallDeps, install: InstallRecord, inventory: Inventory): Promise<{ plan: ClonePlan; script: string; rsyncPassword: string }> {
  const { store } = deps;
  const node = install.node;
  try {
    const target = await resolveNodeTarget(store, deps.repository, deps.home.overrides, node);
    const missing = target.postscripts.filter((name) => !findPostscript(deps.postscriptDirs, name));
    if (missing.length > 0) {
      throw new SyscloneError("UNKNOWN_OBJECT", `postscript(s) ${missing.join(", ")} not found in ${deps.postscriptDirs.join(" or ")}`, { hint: "add the script, or remove it from the node's, group's or osimage's postscripts" });
    }
    // hwreq is checked against the machine as it booted: a pre-install script that made an array of two disks leaves two disks.
    const hardware = recordHardware(store, install, inventory);
    const plan = planClone({
      ...target,
      inventory,
      hardware,
      serverUrl: deps.serverUrl,
      rsyncPort: deps.rsyncPort,
      newUuid: deps.newUuid ?? randomUUID,
    });
    const script = renderPlan(plan);
    store.transaction(() => {
      store.installs.planned(install.id, { osimage: plan.osimage, version: plan.version, inventory: JSON.stringify(inventory), plan: JSON.stringify(plan), script });
      store.updateObject("node", node, { state: "installing", phase: "planned", percent: "0", bytes: "0", lasterror: "" });
      store.addEvent({ kind: "plan", node, osimage: plan.osimage, message: `planned ${plan.osimage} v${plan.version} onto ${plan.target === "disks" ? plan.disks.map((d) => d.dev).join(", ") : plan.root}`, data: { warnings: plan.warnings } });
    });
    await deps.onInstallsChanged();
    return { plan, script, rsyncPassword: rsyncSecret(deps.serverKey, install.tokenSha256) };
  } catch (error) {
    recordFailure(deps, install, "plan", failureMessage(error));
    throw error;
  }
}

export function recordProgress(store: Store, install: InstallRecord, report: ProgressReport): void {
  const node = store.requireObject("node", install.node);
  const fields: Record<string, string> = { state: "installing", phase: report.phase };
  if (report.percent !== undefined) fields["percent"] = String(Math.max(0, Math.min(100, Math.round(report.percent))));
  if (report.bytes !== undefined) fields["bytes"] = String(report.bytes);
  if (report.session !== undefined) fields["mcastsession"] = report.session;
  if (report.rate !== undefined) fields["mcastrate"] = String(Math.round(report.rate));
  store.updateObject("node", install.node, fields);
  if (node["phase"] !== report.phase || report.message) {
    store.addEvent({ kind: "progress", node: install.node, osimage: install.osimage, message: report.message ?? report.phase, data: { ...report } });
  }
}

export function installLogFile(home: SyscloneHome, install: InstallRecord): string {
  return path.join(home.state, "logs", install.node, `install-${install.id}.log`);
}

export const DEFAULT_MAX_LOG_BYTES = 16 * 1024 * 1024;

/** Appends to the install's log on the server, up to a cap: a node cannot fill the server's disk. */
export async function appendInstallLog(home: SyscloneHome, install: InstallRecord, text: string, maxBytes = DEFAULT_MAX_LOG_BYTES): Promise<void> {
  const file = installLogFile(home, install);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size >= maxBytes) return;
  const room = maxBytes - size;
  const chunk = Buffer.from(text);
  const kept = chunk.length <= room ? chunk : Buffer.concat([chunk.subarray(0, room), Buffer.from(`\n[sysclone: log cut at ${maxBytes} bytes]\n`)]);
  await appendFile(file, kept, { mode: 0o600 });
}

export async function finishInstall(deps: InstallDeps, install: InstallRecord, report: Record<string, unknown>): Promise<void> {
  const { store } = deps;
  if (install.state === "finished") return;
  store.transaction(() => {
    store.installs.end(install.id, "finished");
    store.updateObject("node", install.node, { state: "installed", destiny: "boot", phase: "done", percent: "100", lasterror: "", imageversion: String(install.version) });
    store.addEvent({ kind: "finish", node: install.node, osimage: install.osimage, message: `cloned ${install.osimage} v${install.version}`, data: report });
  });
  await deps.onInstallsChanged();
}

/** What a failure says in lasterror and the event: a typed error's message, anything else as an internal error. */
export function failureMessage(error: unknown): string {
  if (isSyscloneError(error)) return error.message;
  return `internal error on the server: ${error instanceof Error ? error.message : String(error)}`;
}

/** Ends the install as failed with its reason, unless it has already ended (a failure is recorded once). */
function recordFailure(deps: Pick<InstallDeps, "store" | "consoleTail">, install: InstallRecord, step: string, message: string): boolean {
  const { store } = deps;
  return store.transaction(() => {
    const current = store.installs.byToken(install.tokenSha256);
    if (current === undefined || !isLive(current)) return false;
    store.installs.end(install.id, "failed");
    store.updateObject("node", install.node, { state: "failed", phase: step, lasterror: `${step}: ${message}`.slice(0, 2000) });
    const consoleLines = deps.consoleTail?.(install.node) ?? [];
    store.addEvent({ kind: "fail", node: install.node, osimage: install.osimage, message: `${step}: ${message}`.slice(0, 4000), ...(consoleLines.length > 0 ? { data: { console: consoleLines } } : {}) });
    return true;
  });
}

export async function failInstall(deps: InstallDeps, install: InstallRecord, report: { step: string; message: string }): Promise<void> {
  if (recordFailure(deps, install, report.step, report.message)) await deps.onInstallsChanged();
}

/** How long a live install may stay silent before it is ended as failed. */
export interface InstallTimeouts {
  /** A token whose node never sends its inventory (default 10 minutes). */
  readonly issuedSeconds: number;
  /** A planned install with no call from its node: no progress, log or finish (default 60 minutes). */
  readonly plannedSeconds: number;
}

export const DEFAULT_INSTALL_TIMEOUTS: InstallTimeouts = { issuedSeconds: 600, plannedSeconds: 3600 };

/** Ends installs whose node has gone silent, so no install stays live (and its token and rsync secret valid) forever. */
export function expireStaleInstalls(deps: Pick<InstallDeps, "store" | "consoleTail">, timeouts: InstallTimeouts, now = Date.now()): InstallRecord[] {
  const before = (seconds: number): string => new Date(now - seconds * 1000).toISOString();
  const stale = deps.store.installs.stale(before(timeouts.issuedSeconds), before(timeouts.plannedSeconds));
  return stale.filter((install) =>
    recordFailure(
      deps,
      install,
      install.state === "issued" ? "boot" : "timeout",
      install.state === "issued"
        ? `no inventory within ${timeouts.issuedSeconds} s of the token being issued; the token has expired (boot the node again)`
        : `no word from the node for ${timeouts.plannedSeconds} s; the install has expired (look at its console, then nodeset it again)`,
    ),
  );
}
