import { timingSafeEqual } from "node:crypto";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { describeHostKeys, hostKeyFingerprint, parseHostKey, pinnedHostKeys } from "../exec/ssh.js";
import type { InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";
import { newToken, tokenSha256 } from "./tokens.js";

/** What a clone's first boot from its own disk says about itself. */
export interface BootedReport {
  readonly hostname: string;
  readonly addresses: readonly string[];
  readonly kernel?: string;
  /** The clone's public host keys, made on this first boot ("type base64"); pinned for the node. */
  readonly hostKeys?: readonly string[];
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

/**
 * The keys a report carries, each checked; refused when one is malformed or is already pinned for
 * another node (a clone must make its own: one that still holds the golden client's is refused).
 */
function reportedHostKeys(store: Store, node: string, reported: readonly string[]): string[] {
  const keys = [...new Set(reported.map(parseHostKey))];
  for (const other of store.listObjects("node")) {
    if (other.name === node) continue;
    const shared = pinnedHostKeys(other.attributes["hostkey"]).find((key) => keys.includes(key));
    if (shared) {
      throw new SyscloneError("BAD_HOSTKEY", `${node} reported host key ${hostKeyFingerprint(shared)}, which is pinned for ${other.name}: two machines share a private key`, {
        hint: `remove /etc/ssh/ssh_host_*_key* on ${node}, run ssh-keygen -A there, and pin the new key: updatenode ${node} -k --fingerprint SHA256:…`,
      });
    }
  }
  return keys;
}

/**
 * Checks the first-boot credential against the node's latest install, uses it up, records the node
 * as booted and pins the host keys the clone made (so updatenode trusts it without -k).
 */
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
  let hostKeys: string[];
  try {
    hostKeys = reportedHostKeys(store, node, report.hostKeys ?? []);
  } catch (error) {
    if (isSyscloneError(error)) store.addEvent({ kind: "hostkey-refused", node, message: `first-boot report refused: ${error.message}` });
    throw error;
  }
  const pinned = store.requireObject("node", node)["hostkey"] ?? "";
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
    if (hostKeys.length === 0) return;
    const fingerprints = hostKeys.map(hostKeyFingerprint);
    store.updateObject("node", node, { hostkey: hostKeys.join(",") });
    store.addEvent({
      kind: "hostkey-pinned",
      node,
      message: `pinned the host keys its first boot made: ${fingerprints.join(", ")}${pinned ? ` (replacing ${describeHostKeys(pinned)})` : ""}`,
      data: { old: pinnedHostKeys(pinned).map(hostKeyFingerprint), new: fingerprints, by: "first boot", checked: true },
    });
  });
}
