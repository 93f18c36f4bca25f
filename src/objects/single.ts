import { auditedChange, type Actor } from "../audit/record.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { SyscloneError } from "../errors/errors.js";
import { checkGroupName, checkImageName, checkNodeName } from "../image/names.js";
import { expandNoderange } from "../noderange/noderange.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import { applyDefinitions } from "./define.js";
import { membershipChanges } from "./members.js";
import { quoteInput } from "./quote.js";
import type { Attributes, ObjectType } from "./schema.js";

/**
 * One object at a time, as the API changes them: define, change or remove a node, group or
 * osimage, audited for `actor` under the command's name (mkdef, chdef, rmdef), all or nothing;
 * then cluster.xml follows the store.
 */
export interface ObjectDeps {
  readonly store: Store;
  /** images/cluster.xml, written again after every change. */
  readonly clusterXml: string;
}

const checkName: Record<ObjectType, (name: string) => string> = { node: checkNodeName, group: checkGroupName, osimage: checkImageName };

/** Whether the object exists; a group does when it is defined or any node names it. */
export function objectExists(store: Store, type: ObjectType, name: string): boolean {
  return type === "group" ? store.groupMembers(name) !== undefined : store.getObject(type, name) !== undefined;
}

function requireExisting(store: Store, type: ObjectType, name: string): void {
  if (!objectExists(store, type, name)) throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named ${quoteInput(name)}`, { hint: `GET /api/v1/${type}s lists them; nothing was changed` });
}

function defineOptions(store: Store, kind: "create" | "change") {
  return {
    kind,
    mode: "set" as const,
    force: false,
    fromStanza: false,
    expandMembers: (members: string) => expandNoderange(members, storeNoderangeContext(store), { verify: true }),
  };
}

export async function createObject(deps: ObjectDeps, actor: Actor, type: ObjectType, name: string, attributes: Attributes): Promise<void> {
  const { store } = deps;
  checkName[type](name);
  auditedChange(store, actor, "mkdef", () => {
    if (store.getObject(type, name)) throw new SyscloneError("ALREADY_EXISTS", `${type} ${name} already exists`, { hint: `change it with PATCH /api/v1/${type}s/${name}` });
    applyDefinitions(store, [{ type, names: [name], attributes }], defineOptions(store, "create"));
  });
  await exportClusterXmlFile(store, deps.clusterXml);
}

export async function changeObject(deps: ObjectDeps, actor: Actor, type: ObjectType, name: string, attributes: Attributes): Promise<void> {
  const { store } = deps;
  auditedChange(store, actor, "chdef", () => {
    requireExisting(store, type, name);
    applyDefinitions(store, [{ type, names: [name], attributes }], defineOptions(store, "change"));
  });
  await exportClusterXmlFile(store, deps.clusterXml);
}

/** Removes a definition (an osimage's files stay); a group also leaves its members' groups lists. */
export async function removeObject(deps: ObjectDeps, actor: Actor, type: ObjectType, name: string): Promise<void> {
  const { store } = deps;
  auditedChange(store, actor, "rmdef", () => {
    requireExisting(store, type, name);
    if (type === "group") {
      const nodeGroups = new Map(store.listObjects("node").map((node) => [node.name, node.attributes["groups"] ?? ""]));
      for (const [node, groups] of membershipChanges(nodeGroups, name, [], "set")) store.updateObject("node", node, { groups });
    }
    store.deleteObject(type, name);
  });
  await exportClusterXmlFile(store, deps.clusterXml);
}
