import { SyscloneError } from "../errors/errors.js";
import { attributeSpec, objectTypes, schemas, parseObjectType, type Attributes, type ObjectType } from "../objects/schema.js";
import { formatListing, formatStanzas, type StanzaObject } from "../objects/stanza.js";
import { quoteInput } from "../objects/quote.js";
import type { Store } from "../store/store.js";
import { stringValue, type Command, type CommandDeps } from "./command.js";
import { describeObject } from "./describe.js";
import { expandNames, objectOptions, targetsOf } from "./objects.js";

function allNames(type: ObjectType, store: Store): string[] {
  return type === "group" ? store.allGroupNames() : store.listNames(type);
}

/**
 * What lsdef shows of one object: stored plus derived attributes. A group named only in nodes'
 * groups lists has the group defaults, which is what sysclone applies to it.
 */
function shownAttributes(type: ObjectType, name: string, store: Store, deps: CommandDeps): Attributes {
  const stored = store.getObject(type, name) ?? (type === "group" && store.groupMembers(name) ? implicitGroup() : undefined);
  if (!stored) throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named ${quoteInput(name)}`, { hint: `lsdef -t ${type} lists what is defined` });
  return describeObject(type, name, stored, store, deps.repository);
}

/** A group no mkdef defined, as a definition with the defaults would be stored. */
function implicitGroup(): Attributes {
  return Object.fromEntries(schemas.group.map((spec) => [spec.name, spec.defaultValue ?? ""]));
}

/** A stanza leaves out empty values, except where the schema default is not empty: restoring then keeps the emptiness. */
function forStanza(object: Listed): StanzaObject {
  return { ...object, attributes: Object.fromEntries(Object.entries(object.attributes).filter(([key, value]) => value !== "" || (attributeSpec(object.type, key)?.defaultValue ?? "") !== "")) };
}

interface Listed extends StanzaObject {
  readonly type: ObjectType;
}

export const lsdef: Command = {
  name: "lsdef",
  summary: "list definitions of nodes, groups or osimages",
  usage: "lsdef [-t node|group|osimage] [-o NAMES | NAMES] [-i attr,attr] [-s] [-z] [--json] | lsdef -a|all [-i attr,attr] [-s] [-z] [--json]",
  options: {
    ...objectOptions,
    all: { type: "boolean", short: "a" },
    long: { type: "boolean", short: "l" },
    short: { type: "boolean", short: "s" },
    stanza: { type: "boolean", short: "z" },
    attrs: { type: "string", short: "i" },
  },
  examples: ["lsdef golden01", "lsdef -t osimage -o rocky9", "lsdef compute -z > compute.stanza", "lsdef -a -z > backup.stanza   (every node, group and osimage; mkdef -z < backup.stanza restores them)"],
  run(args, deps) {
    const store = deps.store();
    const targets = targetsOf(args, args.positionals);
    const typeText = stringValue(args, "type");
    // xCAT's lsdef -a; "all" with no -t is the same: every definition of every type.
    const everything = args.values["all"] === true || (typeText === undefined && targets.length === 1 && targets[0] === "all");
    if (args.values["all"] === true && (typeText !== undefined || targets.length > 0)) throw new SyscloneError("USAGE", "lsdef -a lists every object of every type; leave out -t and names", { hint: `usage: ${lsdef.usage}` });
    const selections: { type: ObjectType; names: string[] }[] = everything
      ? objectTypes.map((type) => ({ type, names: allNames(type, store) }))
      : (() => {
          const type = parseObjectType(typeText ?? "node");
          return [{ type, names: targets.length > 0 ? expandNames(type, targets, store) : allNames(type, store) }];
        })();
    const only = stringValue(args, "attrs")?.split(",");
    const objects: Listed[] = selections.flatMap(({ type, names }) =>
      names.map((name) => {
        const attributes = shownAttributes(type, name, store, deps);
        return { name, type, attributes: only ? Object.fromEntries(Object.entries(attributes).filter(([key]) => only.includes(key))) : attributes };
      }),
    );
    if (deps.out.json) deps.out.data(objects.map((o) => ({ name: o.name, objtype: o.type, ...o.attributes })));
    else if (args.values["stanza"]) deps.out.line(formatStanzas(objects.map(forStanza)).trimEnd());
    else if (objects.length === 0) deps.out.line(everything ? "no objects defined" : `no ${selections[0]?.type ?? "node"} objects defined`);
    else if (args.values["short"]) deps.out.line(objects.map((o) => `${o.name}  (${o.type})`).join("\n"));
    else deps.out.line(formatListing(objects));
    return Promise.resolve(0);
  },
};
