import { existsSync } from "node:fs";
import path from "node:path";
import type { ImageRepository } from "../image/repository.js";
import { osimageOf } from "../install/resolve.js";
import { issueInstallToken } from "../install/tokens.js";
import { defaults, type Attributes } from "../objects/schema.js";
import { isLive, type InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";
import { isInstallDestiny } from "./destiny.js";
import { discoveredName, identify, normaliseMac, usableSerial, usableUuid, type BootReport } from "./identity.js";
import { MachineIndex } from "./machine-index.js";
import { Throttle } from "./rate-limit.js";

export type BootTemplate = "install" | "shell" | "local" | "discovered" | "conflict" | "problem";

export interface BootAnswer {
  readonly template: BootTemplate;
  readonly data: Record<string, string>;
}

/** Seconds an unknown or conflicting machine waits before asking again, unless the server says otherwise. */
export const DEFAULT_RETRY_SECONDS = 30;

export interface BootDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly serverUrl: string;
  readonly retrySeconds?: number;
  /** Called when a token is issued (an earlier one revoked), so the rsync daemon's modules follow at once. */
  readonly onInstallsChanged?: () => Promise<void>;
  /** At most this many discovered records; unknown machines beyond it are answered but not recorded (default 1000). */
  readonly maxDiscovered?: number;
}

/** What one server keeps between /boot requests: the machine index and how often unauthenticated callers may cause an event. */
export interface BootState {
  readonly machines: MachineIndex;
  /** One event per key (node or source address) and interval: a flood of requests does not flood the event log. */
  readonly events: Throttle;
  /**
   * Runs an answer that writes (events, a token, a discovered record) in a transaction of its own, at
   * once; a failure keeps none of it. Batching one event-loop turn's answers into one commit (tried)
   * made each wait for the end of the turn, which in a storm is a turn of file writes to a thousand
   * sockets: 45 ms at p50 inside the server, against well under a millisecond for a commit of its own
   * (WAL with synchronous=NORMAL, better-sqlite3's default for a WAL database: no fsync per commit).
   */
  write<T>(work: () => T): T;
}

export function newBootState(store: Store): BootState {
  const machines = new MachineIndex(store);
  return {
    machines,
    events: new Throttle(60_000),
    write: (work) => {
      try {
        return store.transaction(() => machines.within(work));
      } catch (error) {
        // The index may have read this transaction's rolled-back writes back: the next request rebuilds it.
        machines.invalidate();
        throw error;
      }
    },
  };
}

export const DEFAULT_MAX_DISCOVERED = 1000;

/** /boot requests one source address may make per second (after a burst of 20). */
export const DEFAULT_BOOT_RATE = 5;

/** The node's osimage when it has a clone kernel and initrd to boot, else the answer that says what is missing. */
function bootableOsimage(deps: BootDeps, node: Attributes, name: string, wait: string): string | BootAnswer {
  const { store, repository, serverUrl } = deps;
  let osimage: string;
  try {
    osimage = node["osimage"] || osimageOf(store, name);
  } catch {
    return { template: "problem", data: { server: serverUrl, node: name, message: "no osimage set (nodeset NODE osimage=NAME)", wait } };
  }
  if (!existsSync(path.join(repository.imageDir(osimage), "netboot", "initrd.img"))) {
    store.updateObject("node", name, { lasterror: `osimage ${osimage} has no clone initrd: run sysclone initrd build ${osimage}` });
    return { template: "problem", data: { server: serverUrl, node: name, message: `osimage ${osimage} has no clone initrd (sysclone initrd build ${osimage})`, wait } };
  }
  return osimage;
}

/** Why a node that is not to be installed or shelled boots its disk, as its answer and event say. */
function localReason(node: Attributes): string {
  return node["state"] === "installed" || node["state"] === "booted" ? node["state"] : `destiny ${node["destiny"] || "none"}`;
}

/**
 * The answer when giving it writes nothing (most requests of a PXE storm: a node that boots its disk and was
 * recorded within the minute, an unknown machine already recorded as it is), else undefined and the caller
 * goes through answerBoot in a write transaction. The same decisions as answerBoot, made from the machine
 * index alone: no transaction, no wait for a commit.
 */
export function answerWithoutWrites(deps: BootDeps, state: BootState, report: BootReport): BootAnswer | undefined {
  const { serverUrl } = deps;
  const retry = String(deps.retrySeconds ?? DEFAULT_RETRY_SECONDS);
  const identity = identify(state.machines.candidates(report), report);
  if (identity.kind === "unknown") {
    const name = discoveredName(report);
    const existing = name === undefined ? undefined : state.machines.node(name);
    if (name === undefined || existing === undefined) return undefined;
    const mac = report.macs.map(normaliseMac).find((m) => m !== undefined) ?? "";
    const record: Attributes = { mac, uuid: usableUuid(report.uuid) ?? "", serial: usableSerial(report.serial) ?? "", state: "discovered" };
    if (Object.entries(record).some(([key, value]) => existing[key] !== value)) return undefined;
    return { template: "discovered", data: { server: serverUrl, node: name, mac, wait: retry } };
  }
  if (identity.kind !== "node" || identity.stale.length > 0) return undefined;
  const { name } = identity;
  const node = state.machines.node(name);
  if (node === undefined) return undefined;
  if (node["state"] === "discovered" && node["destiny"] !== "shell") {
    return { template: "discovered", data: { server: serverUrl, node: name, mac: (node["mac"] ?? "").split(",")[0] ?? "", wait: retry } };
  }
  const uuid = usableUuid(report.uuid);
  const serial = usableSerial(report.serial);
  if ((!node["uuid"] && uuid) || (!node["serial"] && serial) || (!node["mac"] && report.macs.some((m) => normaliseMac(m) !== undefined))) return undefined;
  if (node["destiny"] === "shell" || isInstallDestiny(node["destiny"]) || state.events.wouldAllow(`local:${name}`)) return undefined;
  return { template: "local", data: { server: serverUrl, node: name, reason: localReason(node) } };
}

/** What a PXE-booting machine is told: follows the node's destiny, so PXE-first never reinstalls a finished node. */
export function answerBoot(deps: BootDeps, state: BootState, report: BootReport, from: string): BootAnswer {
  const { store, serverUrl } = deps;
  const retry = String(deps.retrySeconds ?? DEFAULT_RETRY_SECONDS);
  const identity = identify(state.machines.candidates(report), report);
  const uuid = usableUuid(report.uuid);
  const serial = usableSerial(report.serial);
  const machineMacs = (): string => report.macs.map((mac) => normaliseMac(mac) ?? mac).join(" ");
  const firstMac = report.macs.map(normaliseMac).find((m) => m !== undefined);
  if (identity.kind === "conflict") {
    if (state.events.allow(`conflict:${identity.names.join(",")}`)) store.addEvent({ kind: "identity-conflict", message: `a machine (${machineMacs()}) matches ${identity.names.join(", ")}; not installing`, data: { ...report } });
    return { template: "conflict", data: { server: serverUrl, problem: `this machine matches more than one node (${identity.names.join(", ")})`, fix: "fix the mac, uuid or serial of these nodes", wait: retry } };
  }
  if (identity.kind === "duplicate") {
    // Another box claims the node by UUID or serial: it is refused. The node itself is left as it is (an unauthenticated
    // request cannot cancel or revoke its install); a person decides which box it is.
    const problem = `a machine (${machineMacs()}) claims ${identity.name} by its ${identity.via}, but ${identity.name} has MAC ${identity.nodeMacs.join(",")}: two machines share one identity`;
    if (state.events.allow(`duplicate:${identity.name}`)) {
      store.updateObject("node", identity.name, { lasterror: problem });
      store.addEvent({ kind: "identity-conflict", node: identity.name, message: `${problem}; not installing it (if it is ${identity.name}: chdef ${identity.name} mac=${firstMac ?? ""})`, data: { ...report, from } });
    }
    return { template: "conflict", data: { server: serverUrl, problem: `this machine claims ${identity.name} by its ${identity.via}, but ${identity.name} has another MAC`, fix: `if this box is ${identity.name}: chdef ${identity.name} mac=${firstMac ?? ""}`, wait: retry } };
  }
  if (identity.kind === "unknown") {
    const name = discoveredName(report);
    const mac = firstMac ?? "";
    if (name === undefined) return { template: "problem", data: { server: serverUrl, node: "unknown", message: "no usable MAC address reported", wait: retry } };
    recordDiscovered(deps, state, name, { mac, uuid: uuid ?? "", serial: serial ?? "", state: "discovered" }, from);
    return { template: "discovered", data: { server: serverUrl, node: name, mac, wait: retry } };
  }
  const { name } = identity;
  for (const stale of identity.stale) {
    // What the machine reported while it was discovered (nodeset discovered-… shell) stays with it.
    store.inventories.rename(stale, name);
    store.deleteObject("node", stale);
    store.addEvent({ kind: "discovered-assigned", node: name, message: `discovered record ${stale} is now ${name}` });
  }
  const node = state.machines.node(name) ?? store.requireObject("node", name);
  // A discovered machine may be booted into the shell (chdef its osimage, nodeset it shell) to report its hardware.
  if (node["state"] === "discovered" && node["destiny"] !== "shell") {
    return { template: "discovered", data: { server: serverUrl, node: name, mac: (node["mac"] ?? "").split(",")[0] ?? "", wait: retry } };
  }
  const fill: Record<string, string> = {};
  if (!node["uuid"] && uuid) fill["uuid"] = uuid;
  if (!node["serial"] && serial) fill["serial"] = serial;
  // A node defined by UUID or serial learns the MAC it boots from: DHCP host entries follow, and a second box with the same identity is told apart.
  if (!node["mac"] && firstMac) fill["mac"] = firstMac;
  if (Object.keys(fill).length > 0) store.updateObject("node", name, fill);
  if (node["destiny"] === "shell") {
    const osimage = bootableOsimage(deps, node, name, retry);
    if (typeof osimage !== "string") return osimage;
    store.addEvent({ kind: "boot", node: name, osimage, message: "PXE boot: maintenance shell" });
    return { template: "shell", data: { server: serverUrl, node: name, osimage } };
  }
  if (!isInstallDestiny(node["destiny"])) {
    const reason = localReason(node);
    // A machine in a PXE loop (or a fleet booting again and again) must not write a row per request: one event per node and minute.
    if (state.events.allow(`local:${name}`)) store.addEvent({ kind: "boot", node: name, message: `PXE boot: local disk (${reason})` });
    return { template: "local", data: { server: serverUrl, node: name, reason } };
  }
  const refusal = tokenRefusal(node, store.installs.latest(name), from);
  if (refusal !== undefined) {
    if (state.events.allow(`token:${name}`)) store.addEvent({ kind: "boot-refused", node: name, message: `PXE boot from ${from || "an unknown address"} refused: ${refusal}`, data: { ...report, from } });
    return { template: "problem", data: { server: serverUrl, node: name, message: refusal, wait: retry } };
  }
  const osimage = bootableOsimage(deps, node, name, retry);
  if (typeof osimage !== "string") return osimage;
  const token = issueInstallToken(store, name, from, node["destiny"] ?? "");
  store.addEvent({ kind: "boot", node: name, osimage, message: `PXE boot: installing ${osimage}` });
  deps.onInstallsChanged?.().catch(() => undefined);
  return { template: "install", data: { server: serverUrl, node: name, osimage, token, onfail: "shell" } };
}

/**
 * Why a /boot from `from` gets no token for this node, if it does not: /boot is unauthenticated, so it may
 * not take over an install under way on another machine, nor get a token for a node whose address is known
 * to be another.
 */
export function tokenRefusal(node: Attributes, latest: InstallRecord | undefined, from: string): string | undefined {
  if (latest !== undefined && isLive(latest) && latest.address !== "" && latest.address !== from) {
    return "its install is under way on another machine, so no token is issued here: boot that machine again, or restart the install with nodeset NODE osimage=NAME";
  }
  const ip = node["ip"] ?? "";
  if (ip !== "" && ip !== from) return `this request does not come from the address of the node (ip=${ip}): check its DHCP host entry, or chdef its ip`;
  return undefined;
}

/** An unknown machine as a discovered record, written only when new or changed and only while there are fewer than the cap. */
function recordDiscovered(deps: BootDeps, state: BootState, name: string, record: Attributes, from: string): void {
  const { store } = deps;
  const existing = state.machines.node(name);
  if (existing) {
    if (Object.entries(record).some(([key, value]) => existing[key] !== value)) store.updateObject("node", name, record);
    return;
  }
  const cap = deps.maxDiscovered ?? DEFAULT_MAX_DISCOVERED;
  if (state.machines.discoveredCount() >= cap) {
    if (state.events.allow("discovered-full")) {
      store.addEvent({ kind: "discovered-full", message: `unknown machine ${record["mac"] ?? ""} (from ${from}) not recorded: ${cap} discovered records already; assign or rmdef them` });
    }
    return;
  }
  store.createObject("node", name, { ...defaults("node"), ...record });
  const { mac = "", uuid = "", serial = "" } = record;
  store.addEvent({ kind: "discovered", node: name, message: `unknown machine ${mac}${uuid ? ` uuid ${uuid}` : ""}${serial ? ` serial ${serial}` : ""} recorded` });
}
