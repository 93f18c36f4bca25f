import { mkdir } from "node:fs/promises";
import path from "node:path";
import { hostname } from "node:os";
import type { Store } from "../store/store.js";
import { writeFileAtomically } from "../fs/atomic.js";
import { renderClusterXml, type Cluster } from "./cluster-xml.js";

/** The store is the truth; cluster.xml is its export in SystemImager's format. */
export function clusterFromStore(store: Store): Cluster {
  return {
    master: hostname(),
    name: "sysclone",
    overrides: [],
    groups: store.allGroupNames().map((name) => {
      const group = store.getObject("group", name);
      return {
        name,
        priority: Number(group?.["priority"] || 50),
        image: group?.["osimage"] ?? "",
        overrides: [name],
        nodes: store.groupMembers(name) ?? [],
      };
    }),
  };
}

export async function exportClusterXmlFile(store: Store, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomically(file, renderClusterXml(clusterFromStore(store)));
}

/** Import: groups are created or updated; nodes are created when new and joined to their groups. */
export function importCluster(store: Store, cluster: Cluster): { groups: number; nodesCreated: number; nodesUpdated: number } {
  let nodesCreated = 0;
  let nodesUpdated = 0;
  store.transaction(() => {
    for (const group of cluster.groups) {
      const attributes = { priority: String(group.priority), osimage: group.image };
      if (store.getObject("group", group.name)) store.updateObject("group", group.name, attributes);
      else store.createObject("group", group.name, attributes);
      for (const node of group.nodes) {
        const existing = store.getObject("node", node);
        if (!existing) {
          store.createObject("node", node, { groups: group.name });
          nodesCreated++;
          continue;
        }
        const groups = (existing["groups"] ?? "").split(",").filter((g) => g !== "");
        if (!groups.includes(group.name)) {
          store.updateObject("node", node, { groups: [...groups, group.name].join(",") });
          nodesUpdated++;
        }
      }
    }
  });
  return { groups: cluster.groups.length, nodesCreated, nodesUpdated };
}
