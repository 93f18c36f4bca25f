import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { SyscloneError } from "../errors/errors.js";
import { isInstallDestiny } from "../objects/node-state.js";
import { isLive, type InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";

/** How a token is kept: its sha256, never the token. */
export const tokenSha256 = (token: string): string => createHash("sha256").update(token).digest("hex");

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The rsync password of a live install: derived, so neither the database nor a log holds it. */
export function rsyncSecret(serverKey: Buffer, tokenDigest: string): string {
  return createHmac("sha256", serverKey).update(`rsync:${tokenDigest}`).digest("base64url");
}

/**
 * A fresh per-boot token for a node to install; earlier tokens of the node stop working. `address` binds it to the
 * machine that asked (/boot); a token issued by hand (sysclone bootargs) is bound to the address it is first used from.
 */
export function issueInstallToken(store: Store, node: string, address = "", destiny?: string): string {
  // /boot knows the node's destiny from its machine index: no row read per token.
  const chain = destiny ?? store.requireObject("node", node)["destiny"];
  const token = newToken();
  store.transaction(() => {
    store.installs.issue(node, tokenSha256(token), address);
    store.updateObject("node", node, { destiny: isInstallDestiny(chain) ? chain : "install", state: "ready", phase: "", percent: "", bytes: "", lasterror: "" });
    store.addEvent({ kind: "token", node, message: `install token issued${address ? ` to ${address}` : ""}` });
  });
  return token;
}

export interface AuthenticateOptions {
  /** Where the call comes from: a token works only from the address it is bound to. */
  readonly from: string;
  /** Accept the token of an install that has already finished (a node repeating its finish after a lost answer). */
  readonly finished?: boolean;
  /** Whether to record the refusal as an event (callers throttle this: every refused request must not write one). */
  readonly recordRefusal?: (node: string) => boolean;
}

/** The live install a token belongs to, or a refusal; the comparison does not leak timing. */
export function authenticate(store: Store, node: string, token: string | undefined, options: AuthenticateOptions): InstallRecord {
  const refuse = (why: string): never => {
    if (options.recordRefusal?.(node) ?? true) store.addEvent({ kind: "token-refused", node, message: `install token refused: ${why}` });
    throw new SyscloneError("TOKEN_REFUSED", `install token refused for ${node}: ${why}`, { hint: "boot the node again for a fresh token (nodeset NODE osimage=… then PXE, or sysclone bootargs NODE)" });
  };
  if (!token) return refuse("no token");
  const hash = tokenSha256(token);
  const install = store.installs.byToken(hash);
  if (!install || !timingSafeEqual(Buffer.from(install.tokenSha256), Buffer.from(hash)) || install.node !== node) return refuse("unknown token");
  if (install.address !== "" && install.address !== options.from) return refuse(`used from ${options.from}, not from the machine it was issued to`);
  if (options.finished === true && install.state === "finished") return install;
  if (!isLive(install)) return refuse(`token already ${install.state === "revoked" ? "replaced by a newer boot" : "used"}`);
  if (install.address === "") {
    store.installs.bind(install.id, options.from);
    return { ...install, address: options.from };
  }
  return install;
}
