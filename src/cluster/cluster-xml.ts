import { isIPv4 } from "node:net";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { SyscloneError } from "../errors/errors.js";
import { checkGroupName, checkHostName, checkImageNameAt, checkNodeName, checkOverrideName } from "../image/names.js";
import { expandHostList, hostListEntry } from "./hostrange.js";

/**
 * SystemImager's cluster.xml (4.x, etc/cluster.xml and si_clusterconfig(8)): the image server, the
 * global name (every node of the file), the global overrides, and groups with a priority, an image,
 * overrides and nodes.
 */
export interface ClusterGroup {
  readonly name: string;
  /** Undefined when the file gives none (SystemImager ranks such a group, and one of priority 0, below every numbered group). */
  readonly priority?: number;
  readonly image?: string;
  /** Override directories in SystemImager's order: the first wins a conflict. */
  readonly overrides: readonly string[];
  readonly nodes: readonly string[];
  /** <ip-range> and <domain>: /etc/hosts entries si_clusterconfig writes for the group. */
  readonly ipRange?: string;
  readonly domain?: string;
}

export interface Cluster {
  readonly master?: string;
  readonly name: string;
  readonly overrides: readonly string[];
  readonly groups: readonly ClusterGroup[];
}

type XmlNode = Record<string, unknown>;

const rootElements = new Set(["master", "name", "override", "group"]);
const groupElements = new Set(["name", "priority", "image", "override", "node", "ip-range", "domain"]);
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function bad(message: string): SyscloneError {
  return new SyscloneError("BAD_CLUSTER_XML", `cluster.xml: ${message}`, { hint: "fix the file; nothing was imported (`sysclone cluster export` shows the expected form)" });
}

const shown = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text);

/** The texts of one element name under a node; an element holding elements is refused. */
function texts(node: XmlNode, name: string, where: string): string[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => {
    if (v === null || v === undefined) return "";
    if (typeof v === "object") throw bad(`${where}<${name}> must hold text, not elements`);
    return String(v as string | number | boolean).trim();
  });
}

function single(node: XmlNode, name: string, where: string): string | undefined {
  const values = texts(node, name, where).filter((v) => v !== "");
  if (values.length > 1) throw bad(`${where}<${name}> is given ${values.length} times`);
  return values[0];
}

function refuseUnknown(node: XmlNode, allowed: ReadonlySet<string>, where: string): void {
  for (const key of Object.keys(node)) {
    if (allowed.has(key) || key === "#text") continue;
    if (key === "dynamic_node") throw bad(`${where}<dynamic_node> runs a command to list nodes; sysclone does not run it: list the nodes with <node>`);
    if (key === "base_image") throw bad(`${where}<base_image> is deprecated (si_clusterconfig refuses it): use <override>`);
    throw bad(`${where}unknown element <${key}>`);
  }
}

function readGroup(group: XmlNode, index: number, globalName: string): ClusterGroup {
  const rawName = single(group, "name", `group #${index + 1}: `);
  if (!rawName) throw bad(`group #${index + 1} has no <name>`);
  const name = checkGroupName(rawName, "cluster.xml group ");
  const where = `group ${name}: `;
  refuseUnknown(group, groupElements, where);
  const priorityText = single(group, "priority", where);
  if (priorityText !== undefined && !/^\d{1,15}$/.test(priorityText)) throw bad(`${where}priority ${shown(priorityText)} is not a whole number`);
  const priority = priorityText === undefined ? undefined : Number(priorityText);
  if (priority !== undefined && priority >= UNNUMBERED) throw bad(`${where}priority ${priority} is not below ${UNNUMBERED}, the rank sysclone keeps for groups without one`);
  if (name === globalName && priority !== undefined) throw bad(`${where}it has the global name, which ranks below every group: it cannot have a priority`);
  const image = single(group, "image", where);
  const ipRange = single(group, "ip-range", where);
  if (ipRange !== undefined && !ipRange.split(/[,\s]+/).filter((r) => r !== "").every((r) => r.split("-").length <= 2 && r.split("-").every((ip) => isIPv4(ip)))) {
    throw bad(`${where}ip-range ${shown(ipRange)} is not a list of IPv4 addresses and ranges`);
  }
  const domain = single(group, "domain", where);
  if (domain !== undefined && !DOMAIN.test(domain)) throw bad(`${where}domain ${shown(domain)} is not a DNS domain`);
  const nodeWhere = `cluster.xml group ${name}: `;
  const nodes = [...new Set(texts(group, "node", where).flatMap((list) => expandHostList(list, `group ${name}`)))].sort();
  return {
    name,
    ...(priority === undefined ? {} : { priority }),
    ...(image === undefined ? {} : { image: checkImageNameAt(image, `cluster.xml group ${name}: image `) }),
    overrides: texts(group, "override", where).filter((o) => o !== "").map((o) => checkOverrideName(o, nodeWhere)),
    nodes: nodes.map((node) => checkNodeName(node, nodeWhere)),
    ...(ipRange === undefined ? {} : { ipRange }),
    ...(domain === undefined ? {} : { domain }),
  };
}

/** Read and check a whole cluster.xml; nothing is stored here, so a refusal leaves everything as it was. */
export function parseClusterXml(text: string): Cluster {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw bad(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({ isArray: (name) => rootElements.has(name) || groupElements.has(name), parseTagValue: false, processEntities: true, htmlEntities: true });
  let document: XmlNode;
  try {
    document = parser.parse(text) as XmlNode;
  } catch (error) {
    throw bad(`XML it cannot read: ${shown(error instanceof Error ? error.message : String(error))}`);
  }
  const xml: unknown = document["xml"];
  if (xml === undefined || Array.isArray(xml) || (typeof xml !== "object" && xml !== "") || Object.keys(document).some((key) => key !== "xml" && key !== "?xml")) {
    throw bad("the root element must be one <xml>");
  }
  const root = (xml === "" || xml === null ? {} : xml) as XmlNode;
  refuseUnknown(root, rootElements, "");
  const globalName = single(root, "name", "");
  if (!globalName) throw bad("there is no global <name> (SystemImager requires it: the name of every node in the file)");
  checkGroupName(globalName, "cluster.xml global name ");
  const master = single(root, "master", "");
  const groupNodes = root["group"];
  const groups = (Array.isArray(groupNodes) ? groupNodes : []).map((group: unknown, index) => {
    if (group === null || typeof group !== "object") throw bad(`group #${index + 1} has no <name>`);
    return readGroup(group as XmlNode, index, globalName);
  });
  const seen = new Set<string>();
  for (const group of groups) {
    if (seen.has(group.name)) throw bad(`group ${group.name} is defined twice`);
    seen.add(group.name);
  }
  return {
    ...(master === undefined ? {} : { master: checkHostName(master, "cluster.xml master ") }),
    name: globalName,
    overrides: texts(root, "override", "").filter((o) => o !== "").map((o) => checkOverrideName(o, "cluster.xml global override ")),
    groups,
  };
}

/** The rank sysclone stores for a group without a priority (or with 0): below every numbered one. */
export const UNNUMBERED = 999_999;
/** The global group (every node of the file) ranks below every group. */
export const GLOBAL_PRIORITY = 1_000_000;

/** SystemImager's order (HostRange::sort_group): by priority, none (or 0) last, then by name ignoring case. The first wins. */
export function rankGroups<T extends { readonly name: string; readonly priority?: number }>(groups: readonly T[]): T[] {
  const rank = (group: T): number => (group.priority === undefined || group.priority === 0 ? Number.MAX_SAFE_INTEGER : group.priority);
  return [...groups].sort((a, b) => rank(a) - rank(b) || compareNames(a.name, b.name));
}

export function compareNames(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

export function renderClusterXml(cluster: Cluster): string {
  const builder = new XMLBuilder({ format: true, indentBy: "  ", suppressEmptyNode: true });
  const xml = {
    ...(cluster.master ? { master: cluster.master } : {}),
    name: cluster.name,
    override: cluster.overrides.length > 0 ? cluster.overrides : [cluster.name],
    group: cluster.groups.map((group) => ({
      name: group.name,
      ...(group.priority === undefined ? {} : { priority: group.priority }),
      ...(group.image ? { image: group.image } : {}),
      ...(group.overrides.length > 0 ? { override: group.overrides } : {}),
      ...(group.nodes.length > 0 ? { node: group.nodes.map(hostListEntry) } : {}),
      ...(group.ipRange ? { "ip-range": group.ipRange } : {}),
      ...(group.domain ? { domain: group.domain } : {}),
    })),
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- generated by sysclone from its store; edit with mkdef/chdef or import with \`sysclone cluster import\` -->\n${builder.build({ xml })}`;
}
