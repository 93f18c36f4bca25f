import { SyscloneError } from "../errors/errors.js";
import { attributeSpec, normaliseAttributes, parseAssignments, parseObjectType, type Attributes, type ObjectType } from "../objects/schema.js";
import { parseStanzas } from "../objects/stanza.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import type { Store } from "../store/store.js";
import type { Command } from "./command.js";
import { expandNames, objectTypeOf, splitTargetsAndAssignments } from "./objects.js";

/** -p adds to list attributes, -m removes from them; otherwise values replace. */
function merge(type: ObjectType, current: Attributes, changes: Attributes, mode: "set" | "add" | "remove"): Attributes {
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

function apply(store: Store, type: ObjectType, names: readonly string[], raw: Attributes, mode: "set" | "add" | "remove"): number {
  const changes = normaliseAttributes(type, raw);
  for (const name of names) {
    const current = store.requireObject(type, name);
    store.updateObject(type, name, merge(type, current, changes, mode));
  }
  return names.length;
}

export const chdef: Command = {
  name: "chdef",
  summary: "change attributes of nodes, groups or osimages",
  usage: "chdef [-t node|group|osimage] [-p|-m] NAMES attr=value… | chdef -z < stanzafile",
  options: {
    type: { type: "string", short: "t" },
    stanza: { type: "boolean", short: "z" },
    plus: { type: "boolean", short: "p" },
    minus: { type: "boolean", short: "m" },
  },
  examples: ["chdef node07 mac=52:54:00:12:34:56", "chdef -p compute postscripts=update_network", "chdef golden01 hostkey="],
  async run(args, deps) {
    const store = deps.store();
    const mode = args.values["plus"] ? "add" : args.values["minus"] ? "remove" : "set";
    let changed = 0;
    if (args.values["stanza"]) {
      const stanzas = parseStanzas(await deps.stdin());
      store.transaction(() => {
        for (const stanza of stanzas) changed += apply(store, parseObjectType(stanza.type), [stanza.name], stanza.attributes, mode);
      });
    } else {
      const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
      if (targets.length === 0 || assignments.length === 0) throw new SyscloneError("USAGE", "chdef needs names and attr=value pairs", { hint: `usage: ${chdef.usage}` });
      const type = objectTypeOf(args);
      const names = expandNames(type, targets, store);
      store.transaction(() => {
        changed = apply(store, type, names, parseAssignments(assignments), mode);
      });
    }
    await exportClusterXmlFile(store, deps.home.clusterXml);
    if (deps.out.json) deps.out.data({ changed });
    else deps.out.line(`${changed} object definition${changed === 1 ? " has" : "s have"} been changed`);
    return 0;
  },
};
