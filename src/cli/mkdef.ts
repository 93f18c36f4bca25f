import { SyscloneError } from "../errors/errors.js";
import { applyDefinitions, type Definition } from "../objects/define.js";
import { parseAssignments } from "../objects/schema.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import type { Command } from "./command.js";
import { expandNames, objectOptions, objectTypeOf, refuseArgumentsWithStanza, splitTargetsAndAssignments, stanzaDefinitions, targetsOf } from "./objects.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { auditedChange, localRoot } from "../audit/record.js";
import { readSecretAssignments } from "./secret-assignments.js";

export const mkdef: Command = {
  name: "mkdef",
  summary: "define nodes, groups or osimages",
  usage: "mkdef [-f] [-t node|group|osimage] [-o NAMES | NAMES] attr=value… | mkdef [-f] -z < stanzafile",
  description: "xCAT's mkdef: names are -o NAMES or bare (a noderange for nodes), attributes attr=value. A stanza file (xcatstanzafile(5)) on standard input with -z defines many objects at once; anything wrong in it is refused with its line number and nothing is changed. Every object created is recorded in the audit log.",
  optionHelp: { type: "the object type: node (the default), group or osimage", objects: "the names, as a noderange for nodes", stanza: "read a stanza file from standard input", force: "re-create objects that exist already" },
  options: { ...objectOptions, stanza: { type: "boolean", short: "z" }, force: { type: "boolean", short: "f" } },
  examples: ["mkdef -t node golden01 ip=10.0.0.5 groups=golden", "mkdef node[01-10] groups=compute", "mkdef -t group -o rack1 members=node[01-04]", "mkdef -z < backup.stanza"],
  async run(args, deps) {
    const store = deps.store();
    // Names are expanded once, against the store as it was before this command created anything.
    const context = storeNoderangeContext(store);
    let definitions: Definition[];
    if (args.values["stanza"]) {
      refuseArgumentsWithStanza("mkdef", args);
      definitions = stanzaDefinitions(await deps.stdin(), store, context);
    } else {
      const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
      const type = objectTypeOf(args);
      const names = expandNames(type, targetsOf(args, targets), store, context);
      if (names.length === 0) throw new SyscloneError("USAGE", "mkdef needs a name", { hint: `usage: ${mkdef.usage}` });
      definitions = [{ type, names, attributes: await readSecretAssignments(type, parseAssignments(assignments), names, deps) }];
    }
    const { created } = auditedChange(store, localRoot, "mkdef", () =>
      applyDefinitions(store, definitions, {
        kind: "create",
        mode: "set",
        force: args.values["force"] === true,
        fromStanza: args.values["stanza"] === true,
        expandMembers: (members) => expandNames("node", [members], store),
      }),
    );
    await exportClusterXmlFile(store, deps.home.clusterXml);
    if (deps.out.json) deps.out.data({ created });
    else deps.out.line(`${created.length} object definition${created.length === 1 ? " has" : "s have"} been created`);
    return 0;
  },
};
