import { SyscloneError } from "../errors/errors.js";
import { formatListing, formatStanzas } from "../objects/stanza.js";
import { stringValue, type Command } from "./command.js";
import { describeObject } from "./describe.js";
import { expandNames, objectTypeOf } from "./objects.js";

export const lsdef: Command = {
  name: "lsdef",
  summary: "list definitions of nodes, groups or osimages",
  usage: "lsdef [-t node|group|osimage] [NAMES] [-i attr,attr] [-z] [--json]",
  options: { type: { type: "string", short: "t" }, stanza: { type: "boolean", short: "z" }, attrs: { type: "string", short: "i" } },
  examples: ["lsdef golden01", "lsdef -t osimage rocky9", "lsdef compute -z > compute.stanza"],
  run(args, deps) {
    const store = deps.store();
    const type = objectTypeOf(args);
    const names = args.positionals.length > 0 ? expandNames(type, args.positionals, store) : type === "group" ? store.allGroupNames() : store.listNames(type);
    const only = stringValue(args, "attrs")?.split(",");
    const objects = names.map((name) => {
      const stored = store.getObject(type, name);
      if (!stored && !(type === "group" && store.groupMembers(name))) {
        throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named "${name}"`, { hint: `lsdef -t ${type} lists what is defined` });
      }
      const attributes = describeObject(type, name, stored ?? {}, store, deps.repository);
      const picked = only ? Object.fromEntries(Object.entries(attributes).filter(([key]) => only.includes(key))) : attributes;
      return { name, type, attributes: picked };
    });
    if (deps.out.json) deps.out.data(objects.map((o) => ({ name: o.name, objtype: o.type, ...o.attributes })));
    else if (args.values["stanza"]) process.stdout.write(formatStanzas(objects));
    else if (objects.length > 0) deps.out.line(formatListing(objects));
    else deps.out.line(`no ${type} objects defined`);
    return Promise.resolve(0);
  },
};
