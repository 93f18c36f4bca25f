import { SyscloneError } from "../errors/errors.js";
import { defaults, normaliseAttributes, parseAssignments, parseObjectType } from "../objects/schema.js";
import { parseStanzas } from "../objects/stanza.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import type { Command } from "./command.js";
import { expandNames, objectTypeOf, splitTargetsAndAssignments } from "./objects.js";
import { storeNoderangeContext } from "../store/noderange-context.js";

export const mkdef: Command = {
  name: "mkdef",
  summary: "define nodes, groups or osimages",
  usage: "mkdef [-t node|group|osimage] NAMES attr=value… | mkdef -z < stanzafile",
  options: { type: { type: "string", short: "t" }, stanza: { type: "boolean", short: "z" }, force: { type: "boolean", short: "f" } },
  examples: ["mkdef -t node golden01 ip=10.0.0.5 groups=golden", "mkdef node[01-10] groups=compute"],
  async run(args, deps) {
    const store = deps.store();
    // Names are expanded once, against the store as it was before this command created anything.
    const context = storeNoderangeContext(store);
    const definitions = args.values["stanza"]
      ? parseStanzas(await deps.stdin()).map((s) => {
          const type = parseObjectType(s.type);
          return { type, names: expandNames(type, [s.name], store, context), attributes: s.attributes };
        })
      : (() => {
          const { targets, assignments } = splitTargetsAndAssignments(args.positionals);
          const type = objectTypeOf(args);
          if (targets.length === 0) throw new SyscloneError("USAGE", "mkdef needs a name", { hint: `usage: ${mkdef.usage}` });
          return [{ type, names: expandNames(type, targets, store, context), attributes: parseAssignments(assignments) }];
        })();
    const created: string[] = [];
    store.transaction(() => {
      for (const definition of definitions) {
        const attributes = { ...defaults(definition.type), ...normaliseAttributes(definition.type, definition.attributes) };
        for (const name of definition.names) {
          if (args.values["force"] && store.getObject(definition.type, name)) store.deleteObject(definition.type, name);
          store.createObject(definition.type, name, attributes);
          created.push(`${definition.type} ${name}`);
        }
      }
    });
    await exportClusterXmlFile(store, deps.home.clusterXml);
    if (deps.out.json) deps.out.data({ created });
    else deps.out.line(`${created.length} object definition${created.length === 1 ? " has" : "s have"} been created`);
    return 0;
  },
};
