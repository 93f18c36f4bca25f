import { mkdir } from "node:fs/promises";
import path from "node:path";
import { hostname } from "node:os";
import type { Attributes } from "../objects/schema.js";
import type { Store } from "../store/store.js";
import { writeFileAtomically } from "../fs/atomic.js";
import { compareNames, GLOBAL_PRIORITY, rankGroups, renderClusterXml, UNNUMBERED, type Cluster, type ClusterGroup } from "./cluster-xml.js";

/**
 * What cluster.xml holds beyond sysclone's objects (the image server, the global name and overrides,
 * each group's SystemImager override list and /etc/hosts range), kept in the store's settings so an
 * export says everything an import read.
 */
interface ClusterExtras {
  readonly master?: string;
  readonly name: string;
  readonly overrides: readonly string[];
  readonly groups: Readonly<Record<string, { readonly overrides: readonly string[]; readonly ipRange?: string; readonly domain?: string }>>;
}

const SETTING = "cluster.systemimager";
const DEFAULT_GLOBAL_NAME = "all";

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

function readExtras(store: Store): ClusterExtras | undefined {
  const text = store.setting(SETTING);
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw["name"] !== "string") return undefined;
    const groups: Record<string, { overrides: string[]; ipRange?: string; domain?: string }> = {};
    for (const [name, value] of Object.entries((raw["groups"] ?? {}) as Record<string, Record<string, unknown>>)) {
      groups[name] = {
        overrides: strings(value["overrides"]),
        ...(typeof value["ipRange"] === "string" ? { ipRange: value["ipRange"] } : {}),
        ...(typeof value["domain"] === "string" ? { domain: value["domain"] } : {}),
      };
    }
    return { ...(typeof raw["master"] === "string" ? { master: raw["master"] } : {}), name: raw["name"], overrides: strings(raw["overrides"]), groups };
  } catch {
    return undefined;
  }
}

/** The rank a group is stored with: SystemImager's none (or 0) below every number. */
function storedPriority(priority: number | undefined): number {
  return priority === undefined || priority === 0 ? UNNUMBERED : priority;
}

/** The store is the truth; cluster.xml is its export in SystemImager's format. */
export function clusterFromStore(store: Store): Cluster {
  const extras = readExtras(store);
  const globalName = extras?.name ?? DEFAULT_GLOBAL_NAME;
  const members = new Map(store.allGroupNames().map((name) => [name, store.groupMembers(name) ?? []] as const));
  const inSomeGroup = new Set([...members].filter(([name]) => name !== globalName).flatMap(([, nodes]) => nodes));
  const groups: ClusterGroup[] = [...members].filter(([name]) => name !== globalName).map(([name, nodes]) => {
    const attributes = store.getObject("group", name);
    const priority = Number(attributes?.["priority"] || 50);
    const kept = extras?.groups[name];
    return {
      name,
      ...(priority < UNNUMBERED ? { priority } : {}),
      ...(attributes?.["osimage"] ? { image: attributes["osimage"] } : {}),
      overrides: kept?.overrides ?? [name],
      nodes,
      ...(kept?.ipRange ? { ipRange: kept.ipRange } : {}),
      ...(kept?.domain ? { domain: kept.domain } : {}),
    };
  });
  // Nodes only in the global group, or an image given to it, need a <group> of that name to be said.
  const onlyGlobal = (members.get(globalName) ?? []).filter((node) => !inSomeGroup.has(node));
  const globalImage = store.getObject("group", globalName)?.["osimage"];
  if (onlyGlobal.length > 0 || globalImage) groups.push({ name: globalName, ...(globalImage ? { image: globalImage } : {}), overrides: [], nodes: onlyGlobal });
  return {
    master: extras?.master ?? hostname(),
    name: globalName,
    overrides: extras?.overrides ?? [globalName],
    groups: rankGroups(groups),
  };
}

export async function exportClusterXmlFile(store: Store, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomically(file, renderClusterXml(clusterFromStore(store)));
}

const list = (value: string | undefined): string[] => (value ?? "").split(",").filter((g) => g !== "");

/**
 * Import: groups are created or updated (priority, image), the global name becomes a group of every
 * node in the file ranked below all others, nodes are created when new and joined to their groups;
 * each node's groups are listed strongest first (priority, then name), so equal priorities are settled
 * by name. One transaction: the cluster was checked whole by parseClusterXml before this runs.
 */
export function importCluster(store: Store, cluster: Cluster): { groups: number; globalGroup: string; nodesCreated: number; nodesUpdated: number } {
  const globalGroup = cluster.groups.find((group) => group.name === cluster.name);
  const groupAttributes = new Map<string, Attributes>();
  for (const group of cluster.groups) {
    if (group.name !== cluster.name) groupAttributes.set(group.name, { priority: String(storedPriority(group.priority)), osimage: group.image ?? "" });
  }
  groupAttributes.set(cluster.name, { priority: String(GLOBAL_PRIORITY), ...(globalGroup?.image ? { osimage: globalGroup.image } : {}) });
  const joins = new Map<string, Set<string>>();
  for (const group of cluster.groups) {
    for (const node of group.nodes) joins.set(node, (joins.get(node) ?? new Set()).add(group.name).add(cluster.name));
  }
  const previous = readExtras(store);
  const keptGroups: ClusterExtras["groups"] = {
    ...previous?.groups,
    ...Object.fromEntries(cluster.groups.filter((g) => g.name !== cluster.name).map((g) => [g.name, {
      overrides: g.overrides, ...(g.ipRange ? { ipRange: g.ipRange } : {}), ...(g.domain ? { domain: g.domain } : {}),
    }])),
  };
  const extras: ClusterExtras = {
    ...(cluster.master ? { master: cluster.master } : {}),
    name: cluster.name,
    overrides: cluster.overrides,
    // In name order, so the same groups are stored as the same text whatever order the file had.
    groups: Object.fromEntries(Object.entries(keptGroups).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  let nodesCreated = 0;
  let nodesUpdated = 0;
  store.transaction(() => {
    for (const [name, attributes] of groupAttributes) {
      if (store.getObject("group", name)) store.updateObject("group", name, attributes);
      else store.createObject("group", name, attributes);
    }
    const priority = (group: string): number => Number(store.getObject("group", group)?.["priority"] || 50);
    const strongestFirst = (groups: Iterable<string>): string[] => [...new Set(groups)].sort((a, b) => priority(a) - priority(b) || compareNames(a, b));
    for (const [node, groups] of joins) {
      const existing = store.getObject("node", node);
      if (!existing) {
        store.createObject("node", node, { groups: strongestFirst(groups).join(",") });
        nodesCreated++;
        continue;
      }
      const before = list(existing["groups"]);
      const after = strongestFirst([...before, ...groups]);
      if (after.join(",") !== before.join(",")) {
        store.updateObject("node", node, { groups: after.join(",") });
        if (![...groups].every((g) => before.includes(g))) nodesUpdated++;
      }
    }
    store.setSetting(SETTING, JSON.stringify(extras));
  });
  return { groups: cluster.groups.length, globalGroup: cluster.name, nodesCreated, nodesUpdated };
}
