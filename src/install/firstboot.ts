import { timingSafeEqual } from "node:crypto";
import { SyscloneError } from "../errors/errors.js";
import type { InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";
import { newToken, tokenSha256 } from "./service.js";

/** What a clone's first boot from its own disk says about itself. */
export interface BootedReport {
  readonly hostname: string;
  readonly addresses: readonly string[];
  readonly kernel?: string;
}

/**
 * The single-use credential a clone's first boot reports `booted` with. It is asked for by the
 * live install (so it is written into the clone it belongs to) and is good for that install only.
 */
export function issueFirstbootToken(store: Store, install: InstallRecord): string {
  const token = newToken();
  store.installs.setFirstboot(install.id, tokenSha256(token));
  return token;
}

/** Checks the first-boot credential against the node's latest install, uses it up, and records the node as booted. */
export function recordBooted(store: Store, node: string, token: string | undefined, report: BootedReport): void {
  const refuse = (why: string): never => {
    store.addEvent({ kind: "token-refused", node, message: `first-boot report refused: ${why}` });
    throw new SyscloneError("TOKEN_REFUSED", `first-boot report refused for ${node}: ${why}`, { hint: "a clone reports its first boot once, with the credential its install wrote; reinstall the node for a new one" });
  };
  if (!token) return refuse("no token");
  const hash = tokenSha256(token);
  const install = store.installs.latest(node);
  if (!install || install.firstbootSha256 === "" || !timingSafeEqual(Buffer.from(install.firstbootSha256), Buffer.from(hash))) return refuse("unknown or used credential");
  if (install.state !== "finished") return refuse(`its install is ${install.state}, not finished`);
  const at = new Date().toISOString();
  const addresses = report.addresses.join(" ");
  store.transaction(() => {
    store.installs.setFirstboot(install.id, "");
    store.updateObject("node", node, { state: "booted", bootedat: at });
    store.addEvent({
      kind: "booted",
      node,
      osimage: install.osimage,
      message: `booted from its own disk as ${report.hostname}${addresses ? ` (${addresses})` : ""}${report.kernel ? `, kernel ${report.kernel}` : ""}`,
      data: { hostname: report.hostname, addresses: [...report.addresses], ...(report.kernel ? { kernel: report.kernel } : {}) },
    });
  });
}
