import { existsSync } from "node:fs";
import path from "node:path";
import type { ImageRepository } from "../image/repository.js";
import { osimageOf } from "../install/resolve.js";
import { issueInstallToken } from "../install/service.js";
import { defaults } from "../objects/schema.js";
import type { Store } from "../store/store.js";
import { discoveredName, identify, normaliseMac, usableSerial, usableUuid, type BootReport, type KnownMachine } from "./identity.js";

export type BootTemplate = "install" | "local" | "discovered" | "conflict" | "problem";

export interface BootAnswer {
  readonly template: BootTemplate;
  readonly data: Record<string, string>;
}

/** Seconds an unknown or conflicting machine waits before asking again. */
export const RETRY_SECONDS = "30";

function knownMachines(store: Store): KnownMachine[] {
  return store.listObjects("node").map(({ name, attributes }) => ({
    name,
    macs: (attributes["mac"] ?? "").split(",").filter((m) => m !== ""),
    uuid: attributes["uuid"] ?? "",
    serial: attributes["serial"] ?? "",
    discovered: attributes["state"] === "discovered",
  }));
}

/** What a PXE-booting machine is told: follows the node's destiny, so PXE-first never reinstalls a finished node. */
export function answerBoot(store: Store, repository: ImageRepository, serverUrl: string, report: BootReport): BootAnswer {
  const identity = identify(knownMachines(store), report);
  const uuid = usableUuid(report.uuid);
  const serial = usableSerial(report.serial);
  if (identity.kind === "conflict") {
    store.addEvent({ kind: "identity-conflict", message: `a machine (${report.macs.join(" ")}) matches ${identity.names.join(", ")}; not installing`, data: { ...report } });
    return { template: "conflict", data: { server: serverUrl, nodes: identity.names.join(", "), wait: RETRY_SECONDS } };
  }
  if (identity.kind === "unknown") {
    const name = discoveredName(report);
    const mac = report.macs.map(normaliseMac).find((m) => m !== undefined) ?? "";
    if (name === undefined) return { template: "problem", data: { server: serverUrl, node: "unknown", message: "no usable MAC address reported", wait: RETRY_SECONDS } };
    const record = { mac, uuid: uuid ?? "", serial: serial ?? "", state: "discovered" };
    if (store.getObject("node", name)) store.updateObject("node", name, record);
    else {
      store.createObject("node", name, { ...defaults("node"), ...record });
      store.addEvent({ kind: "discovered", node: name, message: `unknown machine ${mac}${uuid ? ` uuid ${uuid}` : ""}${serial ? ` serial ${serial}` : ""} recorded` });
    }
    return { template: "discovered", data: { server: serverUrl, node: name, mac, wait: RETRY_SECONDS } };
  }
  const { name } = identity;
  for (const stale of identity.stale) {
    store.deleteObject("node", stale);
    store.addEvent({ kind: "discovered-assigned", node: name, message: `discovered record ${stale} is now ${name}` });
  }
  const node = store.requireObject("node", name);
  if (node["state"] === "discovered") {
    return { template: "discovered", data: { server: serverUrl, node: name, mac: (node["mac"] ?? "").split(",")[0] ?? "", wait: RETRY_SECONDS } };
  }
  const fill: Record<string, string> = {};
  if (!node["uuid"] && uuid) fill["uuid"] = uuid;
  if (!node["serial"] && serial) fill["serial"] = serial;
  if (Object.keys(fill).length > 0) store.updateObject("node", name, fill);
  if (node["destiny"] !== "install") {
    return { template: "local", data: { server: serverUrl, node: name, reason: node["state"] === "installed" ? "installed" : `destiny ${node["destiny"] || "none"}` } };
  }
  let osimage: string;
  try {
    osimage = osimageOf(store, name);
  } catch {
    return { template: "problem", data: { server: serverUrl, node: name, message: "no osimage set (nodeset NODE osimage=NAME)", wait: RETRY_SECONDS } };
  }
  if (!existsSync(path.join(repository.imageDir(osimage), "netboot", "initrd.img"))) {
    store.updateObject("node", name, { lasterror: `osimage ${osimage} has no clone initrd: run sysclone initrd build ${osimage}` });
    return { template: "problem", data: { server: serverUrl, node: name, message: `osimage ${osimage} has no clone initrd (sysclone initrd build ${osimage})`, wait: RETRY_SECONDS } };
  }
  const token = issueInstallToken(store, name);
  store.addEvent({ kind: "boot", node: name, osimage, message: `PXE boot: installing ${osimage}` });
  return { template: "install", data: { server: serverUrl, node: name, osimage, token, onfail: "shell" } };
}
