import { readFileSync } from "node:fs";
import type { NoderangeContext } from "../noderange/noderange.js";
import { schemas } from "../objects/schema.js";
import type { Store } from "./store.js";

/**
 * Node names, attributes and group memberships read once, so expanding a range of thousands
 * of names stays linear.
 */
export function storeNoderangeContext(store: Store): NoderangeContext {
  const members = new Map<string, string[]>();
  const attributes = new Map<string, Readonly<Record<string, string>>>();
  const allNodes: string[] = [];
  for (const node of store.listObjects("node")) {
    allNodes.push(node.name);
    attributes.set(node.name, node.attributes);
    for (const group of (node.attributes["groups"] ?? "").split(",")) {
      if (group === "") continue;
      const list = members.get(group) ?? [];
      list.push(node.name);
      members.set(group, list);
    }
  }
  const definedGroups = new Set(store.listNames("group"));
  const allGroups = [...new Set([...definedGroups, ...members.keys()])].sort();
  return {
    allNodes,
    allGroups,
    groupMembers: (name) => members.get(name) ?? (definedGroups.has(name) ? [] : undefined),
    readFile: (file) => readFileSync(file, "utf8"),
    attributeNames: schemas.node.map((spec) => spec.name),
    attribute: (node, name) => attributes.get(node)?.[name] ?? "",
  };
}
