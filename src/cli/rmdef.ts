import { SyscloneError } from "../errors/errors.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import type { Command } from "./command.js";
import { expandNames, objectTypeOf } from "./objects.js";

export const rmdef: Command = {
  name: "rmdef",
  summary: "remove definitions (an osimage's files stay: use rmimage for those)",
  usage: "rmdef [-t node|group|osimage] NAMES",
  options: { type: { type: "string", short: "t" } },
  async run(args, deps) {
    const store = deps.store();
    const type = objectTypeOf(args);
    if (args.positionals.length === 0) throw new SyscloneError("USAGE", "rmdef needs names", { hint: `usage: ${rmdef.usage}` });
    const names = expandNames(type, args.positionals, store);
    for (const name of names) store.requireObject(type, name);
    store.transaction(() => {
      for (const name of names) store.deleteObject(type, name);
    });
    await exportClusterXmlFile(store, deps.home.clusterXml);
    if (deps.out.json) deps.out.data({ removed: names });
    else deps.out.line(`${names.length} object definition${names.length === 1 ? " has" : "s have"} been removed`);
    return 0;
  },
};
