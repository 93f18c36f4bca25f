import type { Attributes } from "../objects/schema.js";
import type { NodeFacts, Protection } from "./policy.js";

/** What building node facts needs from the store. */
export interface NodeFactsSource {
  listObjects(type: "node"): { name: string; attributes: Attributes }[];
  getObject(type: "group", name: string): Attributes | undefined;
}

function protectionOf(by: "node" | "group", name: string, attributes: Attributes | undefined): Protection | undefined {
  if (attributes?.["protected"] !== "yes") return undefined;
  return { by, name, reason: attributes["protectreason"] ?? "" };
}

/**
 * The policy's view of nodes: their groups and whether they are protected, by their own
 * protected=yes or by that of a group they belong to (the first such group, in their order).
 * `names`: only these, in this order (names not defined are skipped); default every node.
 */
export function nodeFacts(source: NodeFactsSource, names?: readonly string[]): NodeFacts[] {
  const nodes = new Map(source.listObjects("node").map((node) => [node.name, node.attributes]));
  const groupProtection = new Map<string, Protection | undefined>();
  const ofGroup = (group: string): Protection | undefined => {
    if (!groupProtection.has(group)) groupProtection.set(group, protectionOf("group", group, source.getObject("group", group)));
    return groupProtection.get(group);
  };
  const out: NodeFacts[] = [];
  for (const name of names ?? [...nodes.keys()]) {
    const attributes = nodes.get(name);
    if (!attributes) continue;
    const groups = (attributes["groups"] ?? "").split(",").filter((group) => group !== "");
    const protection = protectionOf("node", name, attributes) ?? groups.map(ofGroup).find((found) => found !== undefined);
    out.push({ name, groups, protection });
  }
  return out;
}

/** nodeFacts over nodes already read (a request that lists them anyway reads them once). */
export function nodeFactsOf(nodes: { name: string; attributes: Attributes }[], groups: Pick<NodeFactsSource, "getObject">): NodeFacts[] {
  return nodeFacts({ listObjects: () => nodes, getObject: (type, name) => groups.getObject(type, name) });
}
