import { SyscloneError } from "../errors/errors.js";
import { applyDefinitions, type Definition } from "../objects/define.js";
import { parseAssignments } from "../objects/schema.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Command } from "./command.js";
import { expandNames, objectOptions, objectTypeOf, refuseArgumentsWithStanza, splitTargetsAndAssignments, stanzaDefinitions, targetsOf } from "./objects.js";

export const chdef: Command = {
  name: "chdef",
  summary: "change attributes of nodes, groups or osimages, defining the ones that do not exist yet",
  usage: "chdef [-t node|group|osimage] [-p|-m] [-o NAMES | NAMES] attr=value… | chdef [-p|-m] -z < stanzafile",
  options: {
    ...objectOptions,
    stanza: { type: "boolean", short: "z" },
    plus: { type: "boolean", short: "p" },
    minus: { type: "boolean", short: "m" },
  },
  examples: ["chdef node07 mac=52:54:00:12:34:56", "chdef -p compute postscripts=update_network", "chdef -p -t group -o rack1 members=node05", "chdef golden01 hostkey="],
  async run(args, deps) {
    const store = deps.store();
    if (args.values["plus"] && args.values["minus"]) throw new SyscloneError("USAGE", "chdef takes -p (add to lists) or -m (remove from lists), not both", { hint: `usage: ${chdef.usage}` });
    const mode = args.values["plus"] ? "add" : args.values["minus"] ? "remove" : "set";
    const context = storeNoderangeContext(store);
    let definitions: Definition[];
    if (args.values["stanza"]) {
      refuseArgumentsWithStanza("chdef", args);
      definitions = stanzaDefinitions(await deps.stdin(), store, context);
    } else {
      const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
      const named = targetsOf(args, targets);
      if (named.length === 0 || assignments.length === 0) throw new SyscloneError("USAGE", "chdef needs names and attr=value pairs", { hint: `usage: ${chdef.usage}` });
      const type = objectTypeOf(args);
      definitions = [{ type, names: expandNames(type, named, store, context), attributes: parseAssignments(assignments) }];
    }
    const { created, changed } = store.transaction(() =>
      applyDefinitions(store, definitions, {
        kind: "change",
        mode,
        force: false,
        fromStanza: args.values["stanza"] === true,
        expandMembers: (members) => expandNames("node", [members], store),
      }),
    );
    await exportClusterXmlFile(store, deps.home.clusterXml);
    const count = created.length + changed.length;
    if (deps.out.json) deps.out.data({ changed: count, created });
    else deps.out.line(`${count} object definition${count === 1 ? " has" : "s have"} been ${created.length > 0 ? "created or changed" : "changed"}`);
    return 0;
  },
};
