import { existsSync } from "node:fs";
import path from "node:path";
import type { ImageRepository } from "../image/repository.js";
import { osimageOf } from "../install/resolve.js";
import { issueInstallToken } from "../install/service.js";
import { defaults } from "../objects/schema.js";
import { isLive } from "../store/installs.js";
import type { Store } from "../store/store.js";
import { isInstallDestiny } from "./destiny.js";
import { discoveredName, identify, normaliseMac, usableSerial, usableUuid, type BootReport, type KnownMachine } from "./identity.js";

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
}

interface MachineIndex {
  readonly stamp: string;
  readonly byMac: Map<string, KnownMachine[]>;
  readonly byUuid: Map<string, KnownMachine[]>;
  readonly bySerial: Map<string, KnownMachine[]>;
}

const indexes = new WeakMap<Store, MachineIndex>();

function add(map: Map<string, KnownMachine[]>, key: string, machine: KnownMachine): void {
  if (key === "") return;
  const list = map.get(key);
  if (list) list.push(machine);
  else map.set(key, [machine]);
}

/** Every node's identity by MAC, UUID and serial, rebuilt only when an identity changed (a PXE storm reads, it rarely writes). */
function machineIndex(store: Store): MachineIndex {
  const stamp = store.identityStamp();
  const cached = indexes.get(store);
  if (cached?.stamp === stamp) return cached;
  const index: MachineIndex = { stamp, byMac: new Map(), byUuid: new Map(), bySerial: new Map() };
  for (const { name, attributes } of store.listObjects("node")) {
    const machine: KnownMachine = {
      name,
      macs: (attributes["mac"] ?? "").split(",").filter((m) => m !== ""),
      uuid: attributes["uuid"] ?? "",
      serial: attributes["serial"] ?? "",
      discovered: attributes["state"] === "discovered",
    };
    for (const mac of machine.macs) add(index.byMac, mac, machine);
    add(index.byUuid, machine.uuid.toLowerCase(), machine);
    add(index.bySerial, machine.serial, machine);
  }
  indexes.set(store, index);
  return index;
}

/** The known machines that share a MAC, the UUID or the serial with the report: all identify() needs to see. */
function candidateMachines(store: Store, report: BootReport): KnownMachine[] {
  const index = machineIndex(store);
  const found = new Set<KnownMachine>();
  for (const mac of report.macs.map(normaliseMac)) for (const m of index.byMac.get(mac ?? "") ?? []) found.add(m);
  for (const m of index.byUuid.get(usableUuid(report.uuid) ?? "") ?? []) found.add(m);
  for (const m of index.bySerial.get(usableSerial(report.serial) ?? "") ?? []) found.add(m);
  return [...found];
}

/** The node's osimage when it has a clone kernel and initrd to boot, else the answer that says what is missing. */
function bootableOsimage(deps: BootDeps, name: string, wait: string): string | BootAnswer {
  const { store, repository, serverUrl } = deps;
  let osimage: string;
  try {
    osimage = osimageOf(store, name);
  } catch {
    return { template: "problem", data: { server: serverUrl, node: name, message: "no osimage set (nodeset NODE osimage=NAME)", wait } };
  }
  if (!existsSync(path.join(repository.imageDir(osimage), "netboot", "initrd.img"))) {
    store.updateObject("node", name, { lasterror: `osimage ${osimage} has no clone initrd: run sysclone initrd build ${osimage}` });
    return { template: "problem", data: { server: serverUrl, node: name, message: `osimage ${osimage} has no clone initrd (sysclone initrd build ${osimage})`, wait } };
  }
  return osimage;
}

/** What a PXE-booting machine is told: follows the node's destiny, so PXE-first never reinstalls a finished node. */
export function answerBoot(deps: BootDeps, report: BootReport): BootAnswer {
  const { store, serverUrl } = deps;
  const retry = String(deps.retrySeconds ?? DEFAULT_RETRY_SECONDS);
  const identity = identify(candidateMachines(store, report), report);
  const uuid = usableUuid(report.uuid);
  const serial = usableSerial(report.serial);
  const machineMacs = report.macs.map((mac) => normaliseMac(mac) ?? mac).join(" ");
  const firstMac = report.macs.map(normaliseMac).find((m) => m !== undefined);
  if (identity.kind === "conflict") {
    store.addEvent({ kind: "identity-conflict", message: `a machine (${machineMacs}) matches ${identity.names.join(", ")}; not installing`, data: { ...report } });
    return { template: "conflict", data: { server: serverUrl, problem: `this machine matches more than one node (${identity.names.join(", ")})`, fix: "fix the mac, uuid or serial of these nodes", wait: retry } };
  }
  if (identity.kind === "duplicate") {
    // Nobody can tell which box is the node: neither is installed. The node's install is cancelled (an install under way on
    // the other box is revoked too) until a person sets its mac and runs nodeset again.
    const node = store.requireObject("node", identity.name);
    const latest = store.installs.latest(identity.name);
    const revoked = latest !== undefined && isLive(latest);
    if (revoked) store.installs.end(latest.id, "revoked");
    const problem = `a machine (${machineMacs}) claims ${identity.name} by its ${identity.via}, but ${identity.name} has MAC ${identity.nodeMacs.join(",")}: two machines share one identity`;
    const cancelled = isInstallDestiny(node["destiny"]);
    store.updateObject("node", identity.name, { lasterror: problem, ...(cancelled ? { destiny: "boot", ...(revoked ? { state: "failed" } : {}) } : {}) });
    const consequences = [revoked ? "its install under way is revoked" : "", cancelled ? "its install is cancelled (chdef mac=, then nodeset again)" : ""].filter((c) => c !== "");
    store.addEvent({ kind: "identity-conflict", node: identity.name, message: `${problem}; not installing${consequences.length > 0 ? `: ${consequences.join(", ")}` : ""}`, data: { ...report } });
    return { template: "conflict", data: { server: serverUrl, problem: `this machine claims ${identity.name} by its ${identity.via}, but ${identity.name} has another MAC`, fix: `if this box is ${identity.name}: chdef ${identity.name} mac=${firstMac ?? ""}`, wait: retry } };
  }
  if (identity.kind === "unknown") {
    const name = discoveredName(report);
    const mac = firstMac ?? "";
    if (name === undefined) return { template: "problem", data: { server: serverUrl, node: "unknown", message: "no usable MAC address reported", wait: retry } };
    const record = { mac, uuid: uuid ?? "", serial: serial ?? "", state: "discovered" };
    if (store.getObject("node", name)) store.updateObject("node", name, record);
    else {
      store.createObject("node", name, { ...defaults("node"), ...record });
      store.addEvent({ kind: "discovered", node: name, message: `unknown machine ${mac}${uuid ? ` uuid ${uuid}` : ""}${serial ? ` serial ${serial}` : ""} recorded` });
    }
    return { template: "discovered", data: { server: serverUrl, node: name, mac, wait: retry } };
  }
  const { name } = identity;
  for (const stale of identity.stale) {
    store.deleteObject("node", stale);
    store.addEvent({ kind: "discovered-assigned", node: name, message: `discovered record ${stale} is now ${name}` });
  }
  const node = store.requireObject("node", name);
  if (node["state"] === "discovered") {
    return { template: "discovered", data: { server: serverUrl, node: name, mac: (node["mac"] ?? "").split(",")[0] ?? "", wait: retry } };
  }
  const fill: Record<string, string> = {};
  if (!node["uuid"] && uuid) fill["uuid"] = uuid;
  if (!node["serial"] && serial) fill["serial"] = serial;
  // A node defined by UUID or serial learns the MAC it boots from: DHCP host entries follow, and a second box with the same identity is told apart.
  if (!node["mac"] && firstMac) fill["mac"] = firstMac;
  if (Object.keys(fill).length > 0) store.updateObject("node", name, fill);
  if (node["destiny"] === "shell") {
    const osimage = bootableOsimage(deps, name, retry);
    if (typeof osimage !== "string") return osimage;
    store.addEvent({ kind: "boot", node: name, osimage, message: "PXE boot: maintenance shell" });
    return { template: "shell", data: { server: serverUrl, node: name, osimage } };
  }
  if (!isInstallDestiny(node["destiny"])) {
    const reason = node["state"] === "installed" || node["state"] === "booted" ? node["state"] : `destiny ${node["destiny"] || "none"}`;
    store.addEvent({ kind: "boot", node: name, message: `PXE boot: local disk (${reason})` });
    return { template: "local", data: { server: serverUrl, node: name, reason } };
  }
  const osimage = bootableOsimage(deps, name, retry);
  if (typeof osimage !== "string") return osimage;
  const token = issueInstallToken(store, name);
  store.addEvent({ kind: "boot", node: name, osimage, message: `PXE boot: installing ${osimage}` });
  return { template: "install", data: { server: serverUrl, node: name, osimage, token, onfail: "shell" } };
}
