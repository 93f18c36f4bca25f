import { SyscloneError } from "../errors/errors.js";
import { expandObjectNames } from "../objects/expand.js";
import { attributeSpec, objectTypes, parseObjectType, type Attributes, type ObjectType } from "../objects/schema.js";
import { formatListing, formatStanzas, type StanzaObject } from "../objects/stanza.js";
import { quoteInput } from "../objects/quote.js";
import type { Fleet } from "./backend.js";
import { stringValue, type Command } from "./command.js";
import { backendOf } from "./local-backend.js";
import { objectOptions, targetsOf } from "./objects.js";

/** What lsdef shows of one object: stored plus derived attributes (a group named only by its nodes has the group defaults). */
function shownAttributes(type: ObjectType, name: string, fleet: Fleet): Attributes {
  const shown = fleet.shown(type, name);
  if (!shown) throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named ${quoteInput(name)}`, { hint: `lsdef -t ${type} lists what is defined` });
  return shown;
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
  description: "xCAT's lsdef. lsdef -a -z writes every definition as a stanza file that mkdef -z reads back on another server; sysclone backup keeps the whole state (versions, users, tokens, keys too).",
  optionHelp: { type: "the object type: node (the default), group or osimage", objects: "the names, as a noderange for nodes", all: "every node, group and osimage", long: "every attribute (the default)", short: "names only", stanza: "stanza output, as mkdef -z and chdef -z read it", attrs: "only these attributes" },
  options: {
    ...objectOptions,
    all: { type: "boolean", short: "a" },
    long: { type: "boolean", short: "l" },
    short: { type: "boolean", short: "s" },
    stanza: { type: "boolean", short: "z" },
    attrs: { type: "string", short: "i" },
  },
  examples: ["lsdef golden01", "lsdef -t osimage -o rocky9", "lsdef compute -z > compute.stanza", "lsdef -a -z > backup.stanza   (every node, group and osimage; mkdef -z < backup.stanza restores them)"],
  remote: true,
  async run(args, deps) {
    const targets = targetsOf(args, args.positionals);
    const typeText = stringValue(args, "type");
    // xCAT's lsdef -a; "all" with no -t is the same: every definition of every type.
    const everything = args.values["all"] === true || (typeText === undefined && targets.length === 1 && targets[0] === "all");
    if (args.values["all"] === true && (typeText !== undefined || targets.length > 0)) throw new SyscloneError("USAGE", "lsdef -a lists every object of every type; leave out -t and names", { hint: `usage: ${lsdef.usage}` });
    const wanted = everything ? objectTypes : [parseObjectType(typeText ?? "node")];
    const fleet = await backendOf(deps).fleet(wanted);
    const selections: { type: ObjectType; names: string[] }[] = everything
      ? objectTypes.map((type) => ({ type, names: fleet.names(type) }))
      : wanted.map((type) => ({ type, names: targets.length > 0 ? expandObjectNames(type, targets, fleet.noderange) : fleet.names(type) }));
    const only = stringValue(args, "attrs")?.split(",");
    const objects: Listed[] = selections.flatMap(({ type, names }) =>
      names.map((name) => {
        const attributes = shownAttributes(type, name, fleet);
        return { name, type, attributes: only ? Object.fromEntries(Object.entries(attributes).filter(([key]) => only.includes(key))) : attributes };
      }),
    );
    if (deps.out.json) deps.out.data(objects.map((o) => ({ name: o.name, objtype: o.type, ...o.attributes })));
    else if (args.values["stanza"]) deps.out.line(formatStanzas(objects.map(forStanza)).trimEnd());
    else if (objects.length === 0) deps.out.line(everything ? "no objects defined" : `no ${selections[0]?.type ?? "node"} objects defined`);
    else if (args.values["short"]) deps.out.line(objects.map((o) => `${o.name}  (${o.type})`).join("\n"));
    else deps.out.line(formatListing(objects));
    return 0;
  },
};
