import { readFile, writeFile } from "node:fs/promises";
import { SyscloneError } from "../errors/errors.js";
import { parseClusterXml, renderClusterXml } from "../cluster/cluster-xml.js";
import { clusterFromStore, exportClusterXmlFile, importCluster } from "../cluster/sync.js";
import { auditedChange, localRoot } from "../audit/record.js";
import type { Command } from "./command.js";

export const clusterCommand: Command = {
  name: "cluster",
  summary: "export or import SystemImager's cluster.xml (groups, priorities, images, nodes)",
  usage: "sysclone cluster export [FILE] | sysclone cluster import FILE",
  description: "export writes SystemImager's cluster.xml (to FILE, or standard output); import reads one and creates or changes the groups, priorities, images and nodes it names, all or nothing, each change audited.",
  options: {},
  async run(args, deps) {
    const [verb, file] = args.positionals;
    const store = deps.store();
    if (verb === "export") {
      const xml = renderClusterXml(clusterFromStore(store));
      if (file) await writeFile(file, xml);
      else process.stdout.write(xml.endsWith("\n") ? xml : `${xml}\n`);
      return 0;
    }
    if (verb === "import" && file) {
      const text = await readFile(file, "utf8").catch(() => {
        throw new SyscloneError("BAD_CLUSTER_XML", `cannot read ${file}`, { hint: "give the path of a cluster.xml" });
      });
      const cluster = parseClusterXml(text);
      const summary = auditedChange(store, localRoot, "cluster import", () => importCluster(store, cluster));
      await exportClusterXmlFile(store, deps.home.clusterXml);
      if (deps.out.json) deps.out.data(summary);
      else deps.out.line(`imported ${summary.groups} group(s) and the global group ${summary.globalGroup}: ${summary.nodesCreated} node(s) created, ${summary.nodesUpdated} joined to groups`);
      return 0;
    }
    throw new SyscloneError("USAGE", "cluster needs export or import", { hint: `usage: ${clusterCommand.usage}` });
  },
};
