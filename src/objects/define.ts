import { SyscloneError } from "../errors/errors.js";
import type { Store } from "../store/store.js";
import { membershipChanges, type ChangeMode } from "./members.js";
import { attributeSpec, defaults, derivedAttributes, normaliseAttributes, type Attributes, type ObjectType } from "./schema.js";

/** One attr=value set for some objects of one type, from the command line or one stanza. */
export interface Definition {
  readonly type: ObjectType;
  readonly names: readonly string[];
  readonly attributes: Attributes;
}

export interface DefineOptions {
  /** mkdef creates (refusing what exists unless force); chdef changes, creating what is missing. */
  readonly kind: "create" | "change";
  readonly mode: ChangeMode;
  readonly force: boolean;
  /** A stanza file may carry what lsdef -z writes: read-only attributes are restored, derived ones ignored. */
  readonly fromStanza: boolean;
  /** Expands a group's members= (a noderange) against the store as it is after the definitions are written. */
  readonly expandMembers: (members: string) => string[];
}

export interface DefineResult {
  readonly created: string[];
  readonly changed: string[];
}

interface Prepared {
  readonly definition: Definition;
  readonly attributes: Attributes;
  readonly members: string | undefined;
}

function prepare(definition: Definition, options: DefineOptions): Prepared {
  const own: Attributes = {};
  let members: string | undefined;
  for (const [name, value] of Object.entries(definition.attributes)) {
    if (definition.type === "group" && name === "members") members = value.trim();
    else if (!derivedAttributes[definition.type].includes(name)) own[name] = value;
    else if (!options.fromStanza) {
      throw new SyscloneError("BAD_ATTRIBUTE", `${definition.type} attribute ${name} is derived by sysclone (lsdef shows it) and cannot be set`);
    }
  }
  return { definition, attributes: normaliseAttributes(definition.type, own, { allowReadOnly: options.fromStanza }), members };
}

/** -p adds to list attributes, -m removes from them; otherwise values replace. */
function merge(type: ObjectType, current: Attributes, changes: Attributes, mode: ChangeMode): Attributes {
  if (mode === "set") return changes;
  const out: Attributes = {};
  for (const [name, value] of Object.entries(changes)) {
    if (attributeSpec(type, name)?.kind !== "list") throw new SyscloneError("USAGE", `-p/-m work on list attributes; ${name} is not one`);
    const items = (current[name] ?? "").split(",").filter((i) => i !== "");
    const given = value.split(",").filter((i) => i !== "");
    out[name] = (mode === "add" ? [...items, ...given.filter((g) => !items.includes(g))] : items.filter((i) => !given.includes(i))).join(",");
  }
  return out;
}

/**
 * Write definitions in order, then group memberships (so a stanza file may list a group before
 * its nodes). Run it inside store.transaction: any refusal leaves the store as it was.
 */
export function applyDefinitions(store: Store, definitions: readonly Definition[], options: DefineOptions): DefineResult {
  const prepared = definitions.map((definition) => prepare(definition, options));
  const created: string[] = [];
  const changed: string[] = [];
  for (const { definition, attributes } of prepared) {
    const { type } = definition;
    for (const name of definition.names) {
      const current = store.getObject(type, name);
      if (options.kind === "change" && current) {
        store.updateObject(type, name, merge(type, current, attributes, options.mode));
        changed.push(`${type} ${name}`);
        continue;
      }
      if (options.kind === "create" && options.force && current) store.deleteObject(type, name);
      store.createObject(type, name, { ...defaults(type), ...merge(type, {}, attributes, options.mode) });
      created.push(`${type} ${name}`);
    }
  }
  for (const { definition, members } of prepared) {
    if (members === undefined) continue;
    const listed = members === "" ? [] : options.expandMembers(members);
    const mode = options.kind === "create" ? "set" : options.mode;
    for (const group of definition.names) {
      const nodeGroups = new Map(store.listObjects("node").map(({ name, attributes }) => [name, attributes["groups"] ?? ""]));
      for (const [node, groups] of membershipChanges(nodeGroups, group, listed, mode)) store.updateObject("node", node, { groups });
    }
  }
  return { created, changed };
}

/**
 * chdef -n: a node's definition under a new name, every attribute kept. Refused while an install
 * of the node is under way (its session is keyed by the old name). Run inside store.transaction.
 */
export function renameNode(store: Store, from: string, to: string): void {
  const attributes = store.requireObject("node", from);
  if (store.getObject("node", to)) throw new SyscloneError("ALREADY_EXISTS", `node "${to}" already exists`, { hint: `remove it first (rmdef ${to}) or pick another name` });
  if (store.installs.live().some((install) => install.node === from)) {
    throw new SyscloneError("USAGE", `node ${from} has an install under way and cannot be renamed now`, { hint: `wait for it to finish, or revoke it: nodeset ${from} boot` });
  }
  store.createObject("node", to, attributes);
  store.copySecrets("node", from, to);
  store.deleteObject("node", from);
}
