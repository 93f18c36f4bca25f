import { auditedChange, type Actor } from "../audit/record.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { SyscloneError } from "../errors/errors.js";
import { isValidNodeName } from "../noderange/noderange.js";
import type { Store } from "../store/store.js";
import { applyDefinitions, renameNode, type Definition } from "./define.js";
import type { ChangeMode } from "./members.js";
import { quoteInput } from "./quote.js";

/**
 * What changing objects needs. The whole store: the definitions, group memberships and the
 * cluster.xml export read and write most of it.
 */
export interface ObjectChangeDeps {
  readonly store: Store;
  /** images/cluster.xml, written again after every change. */
  readonly clusterXml: string;
  /** Who makes the change: every object it touches is audited under this name. */
  readonly actor: Actor;
}

export interface ChangeRequest {
  /** Names already expanded (a noderange for nodes), attributes as given. */
  readonly definitions: readonly Definition[];
  /** set replaces values, add (-p) adds to list attributes, remove (-m) takes out of them. */
  readonly mode: ChangeMode;
  /** From a stanza file being restored: read-only attributes are written, derived ones ignored. */
  readonly fromStanza: boolean;
  /** A group's members= (a noderange) expanded against the store as it is after the definitions are written. */
  readonly expandMembers: (members: string) => string[];
}

export interface ChangeResult {
  /** "node n01", "group rack1", …: what did not exist and was defined. */
  readonly created: readonly string[];
  /** What existed and was changed. */
  readonly changed: readonly string[];
}

/**
 * chdef: changes attributes of nodes, groups and osimages, defining the ones that do not exist yet.
 * All or nothing: one refusal (a bad value, -p on a single-valued attribute, an unknown member)
 * leaves the store as it was. Then cluster.xml follows the store.
 */
export async function changeObjects(deps: ObjectChangeDeps, request: ChangeRequest): Promise<ChangeResult> {
  const { store } = deps;
  const { created, changed } = auditedChange(store, deps.actor, "chdef", () =>
    applyDefinitions(store, request.definitions, {
      kind: "change",
      mode: request.mode,
      force: false,
      fromStanza: request.fromStanza,
      expandMembers: request.expandMembers,
    }),
  );
  await exportClusterXmlFile(store, deps.clusterXml);
  return { created, changed };
}

/** chdef's summary: "1 object definition has been changed", "3 object definitions have been created or changed". Pure. */
export function describeChange(result: ChangeResult): string {
  const count = result.created.length + result.changed.length;
  return `${count} object definition${count === 1 ? " has" : "s have"} been ${result.created.length > 0 ? "created or changed" : "changed"}`;
}

/** Refuses a rename whose old or new name is not a node name (BAD_NAME). Pure. */
export function checkRenameNames(from: string, to: string): void {
  if (!isValidNodeName(from)) throw new SyscloneError("BAD_NAME", `${quoteInput(from)} is not a node name`, { hint: "chdef -t node -o node1 -n node2" });
  if (!isValidNodeName(to)) throw new SyscloneError("BAD_NAME", `${quoteInput(to)} is not a valid node name`, { hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" });
}

/**
 * chdef -n: the node gets a new name, every attribute kept. Refused for bad names, an unknown
 * node, a taken name, or an install under way; then cluster.xml follows the store.
 */
export async function renameNodeObject(deps: ObjectChangeDeps, from: string, to: string): Promise<{ readonly from: string; readonly to: string }> {
  checkRenameNames(from, to);
  const { store } = deps;
  auditedChange(store, deps.actor, "rename", () => renameNode(store, from, to), ["node"]);
  await exportClusterXmlFile(store, deps.clusterXml);
  return { from, to };
}
