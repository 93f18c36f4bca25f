import { SyscloneError } from "../errors/errors.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { membershipChanges } from "../objects/members.js";
import { objectTypes } from "../objects/schema.js";
import { quoteInput } from "../objects/quote.js";
import type { Store } from "../store/store.js";
import type { Command } from "./command.js";
import { auditedChange, localRoot } from "../audit/record.js";
import { expandNames, objectOptions, objectTypeOf, targetsOf } from "./objects.js";

/** A group goes from its members' groups lists as well as from the group table (rmdef(1) example 3). */
function removeGroup(store: Store, group: string): void {
  const nodeGroups = new Map(store.listObjects("node").map(({ name, attributes }) => [name, attributes["groups"] ?? ""]));
  for (const [node, groups] of membershipChanges(nodeGroups, group, [], "set")) store.updateObject("node", node, { groups });
  store.deleteObject("group", group);
}

export const rmdef: Command = {
  name: "rmdef",
  summary: "remove definitions (an osimage's files stay: use rmimage for those)",
  usage: "rmdef [-t node|group|osimage] [-o NAMES | NAMES] | rmdef -a -f",
  description: "Removing a group takes it out of its nodes' groups; the nodes stay. An osimage's files stay: rmimage removes those. Every removal is recorded in the audit log.",
  optionHelp: { type: "the object type: node (the default), group or osimage", objects: "the names, as a noderange for nodes", all: "every node, group and osimage definition (with -f)", force: "confirm -a" },
  options: { ...objectOptions, all: { type: "boolean", short: "a" }, force: { type: "boolean", short: "f" } },
  examples: ["rmdef node1-node4", "rmdef -t group -o rack1   (the nodes stay; rack1 leaves their groups)", "rmdef -a -f   (every node, group and osimage definition)"],
  async run(args, deps) {
    const store = deps.store();
    if (args.values["all"]) {
      if (!args.values["force"]) throw new SyscloneError("USAGE", "rmdef -a removes every node, group and osimage definition; add -f to confirm", { hint: "save them first: lsdef -a -z > backup.stanza" });
      if (args.positionals.length > 0 || args.values["objects"] !== undefined || args.values["type"] !== undefined) throw new SyscloneError("USAGE", "rmdef -a takes no names or type", { hint: `usage: ${rmdef.usage}` });
      const removed = objectTypes.flatMap((type) => store.listNames(type).map((name) => ({ type, name })));
      auditedChange(store, localRoot, "rmdef", () => {
        for (const { type, name } of removed) store.deleteObject(type, name);
      });
      await exportClusterXmlFile(store, deps.home.clusterXml);
      if (deps.out.json) deps.out.data({ removed: removed.map((r) => `${r.type} ${r.name}`) });
      else deps.out.line(`${removed.length} object definition${removed.length === 1 ? " has" : "s have"} been removed`);
      return 0;
    }
    const type = objectTypeOf(args);
    const targets = targetsOf(args, args.positionals);
    if (targets.length === 0) throw new SyscloneError("USAGE", "rmdef needs names", { hint: `usage: ${rmdef.usage}` });
    const names = expandNames(type, targets, store);
    for (const name of names) {
      if (type === "group" ? store.groupMembers(name) === undefined : !store.getObject(type, name)) {
        throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named ${quoteInput(name)}`, { hint: `lsdef -t ${type} lists what is defined; nothing was removed` });
      }
    }
    auditedChange(store, localRoot, "rmdef", () => {
      for (const name of names) {
        if (type === "group") removeGroup(store, name);
        else store.deleteObject(type, name);
      }
    });
    await exportClusterXmlFile(store, deps.home.clusterXml);
    if (deps.out.json) deps.out.data({ removed: names });
    else deps.out.line(`${names.length} object definition${names.length === 1 ? " has" : "s have"} been removed`);
    return 0;
  },
};
