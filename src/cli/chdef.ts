import { SyscloneError } from "../errors/errors.js";
import { checkRenameNames, describeChange } from "../objects/change.js";
import type { Definition } from "../objects/define.js";
import { expandObjectNames } from "../objects/expand.js";
import { parseAssignments } from "../objects/schema.js";
import { stringValue, type Command, type CommandDeps, type ParsedArgs } from "./command.js";
import { backendOf } from "./local-backend.js";
import { readSecretAssignments } from "./secret-assignments.js";
import { objectOptions, objectTypeOf, refuseArgumentsWithStanza, splitTargetsAndAssignments, stanzaDefinitions, targetsOf } from "./objects.js";

export const chdef: Command = {
  name: "chdef",
  summary: "change attributes of nodes, groups or osimages, defining the ones that do not exist yet",
  usage: "chdef [-t node|group|osimage] [-p|-m] [-o NAMES | NAMES] attr=value… | chdef [-p|-m] -z < stanzafile | chdef [-t node] -o NODE -n NEWNAME",
  description: "xCAT's chdef: an object that does not exist yet is created. -p and -m add values to or remove them from list attributes (groups, postscripts, members). A secret attribute given as - (bmcpassword=-) is read from standard input, never from the command line. Every change is recorded in the audit log.",
  optionHelp: { type: "the object type: node (the default), group or osimage", objects: "the names, as a noderange for nodes", stanza: "read a stanza file from standard input", plus: "add the values to list attributes", minus: "remove the values from list attributes", newname: "rename the node given with -o (not while it installs)" },
  options: {
    ...objectOptions,
    stanza: { type: "boolean", short: "z" },
    plus: { type: "boolean", short: "p" },
    minus: { type: "boolean", short: "m" },
    newname: { type: "string", short: "n" },
  },
  examples: ["chdef -t node -o node1 -n node2   (rename)", "chdef node07 mac=52:54:00:12:34:56", "chdef -p compute postscripts=update_network", "chdef -p -t group -o rack1 members=node05", "chdef golden01 hostkey=", "chdef n07 mgt=ipmi bmc=10.1.0.7 bmcusername=admin bmcpassword=-   (the password from stdin)"],
  remote: true,
  async run(args, deps) {
    if (stringValue(args, "newname") !== undefined) return rename(args, deps);
    const backend = backendOf(deps);
    if (args.values["plus"] && args.values["minus"]) throw new SyscloneError("USAGE", "chdef takes -p (add to lists) or -m (remove from lists), not both", { hint: `usage: ${chdef.usage}` });
    const mode = args.values["plus"] ? "add" : args.values["minus"] ? "remove" : "set";
    const context = (await backend.fleet(["node", "group"])).noderange;
    let definitions: Definition[];
    if (args.values["stanza"]) {
      refuseArgumentsWithStanza("chdef", args);
      definitions = stanzaDefinitions(await deps.stdin(), undefined, context);
    } else {
      const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
      const named = targetsOf(args, targets);
      if (named.length === 0 || assignments.length === 0) throw new SyscloneError("USAGE", "chdef needs names and attr=value pairs", { hint: `usage: ${chdef.usage}` });
      const type = objectTypeOf(args);
      const names = expandObjectNames(type, named, context);
      definitions = [{ type, names, attributes: await readSecretAssignments(type, parseAssignments(assignments), names, deps) }];
    }
    const result = await backend.changeObjects({ definitions, mode, fromStanza: args.values["stanza"] === true });
    if (deps.out.json) deps.out.data({ changed: result.created.length + result.changed.length, created: result.created });
    else deps.out.line(describeChange(result));
    return 0;
  },
};

/** chdef(1) -n: one node gets a new name; groups, osimages and several nodes cannot be renamed. */
async function rename(args: ParsedArgs, deps: CommandDeps): Promise<number> {
  const to = stringValue(args, "newname") ?? "";
  const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
  const named = targetsOf(args, targets);
  if ((stringValue(args, "type") ?? "node") !== "node") throw new SyscloneError("USAGE", "chdef -n renames nodes only", { hint: "define the group or osimage anew under the new name" });
  if (named.length !== 1 || named[0]?.includes(",") || assignments.length > 0 || args.values["stanza"]) {
    throw new SyscloneError("USAGE", "chdef -n renames one node and changes nothing else", { hint: "chdef -t node -o node1 -n node2" });
  }
  const from = named[0] ?? "";
  checkRenameNames(from, to); // before the store is opened (or the server asked)
  await backendOf(deps).renameNode(from, to);
  if (deps.out.json) deps.out.data({ renamed: { from, to } });
  else deps.out.line(`node ${from} is now ${to}`);
  return 0;
}
