import { auditedChange, type Actor } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import type { Store } from "../store/store.js";

/**
 * Ends the install under way on a node: its token and rsync secret stop working at once, the node
 * is marked failed with who cancelled it, and its next boot is its local disk. Audited; refused
 * with NOT_INSTALLING when nothing is under way.
 */
export function cancelInstall(store: Store, actor: Actor, node: string): { readonly node: string; readonly revokedInstall: number } {
  return auditedChange(store, actor, "cancel", () => {
    store.requireObject("node", node);
    const live = store.installs.live().find((install) => install.node === node);
    if (!live) throw new SyscloneError("NOT_INSTALLING", `node ${node} has no install under way`, { hint: "nodestat shows where each node is; nothing was changed" });
    store.installs.end(live.id, "revoked");
    store.updateObject("node", node, { destiny: "boot", state: "failed", lasterror: `install cancelled by ${actor.name}` });
    store.addEvent({ kind: "fail", node, osimage: live.osimage, message: `install cancelled by ${actor.name}; next boot: local disk` });
    return { node, revokedInstall: live.id };
  }, ["node"]);
}
