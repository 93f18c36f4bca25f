import { readFileSync } from "node:fs";
import type { NoderangeContext } from "../noderange/noderange.js";
import type { Store } from "./store.js";

/** Node names and group memberships read once, so expanding a range of thousands of names stays linear. */
export function storeNoderangeContext(store: Store): NoderangeContext {
  const members = new Map<string, string[]>();
  const allNodes: string[] = [];
  for (const { name, attributes } of store.listObjects("node")) {
    allNodes.push(name);
    for (const group of (attributes["groups"] ?? "").split(",")) {
      if (group === "") continue;
      const list = members.get(group) ?? [];
      list.push(name);
      members.set(group, list);
    }
  }
  const definedGroups = new Set(store.listNames("group"));
  return {
    allNodes,
    groupMembers: (name) => members.get(name) ?? (definedGroups.has(name) ? [] : undefined),
    readFile: (file) => readFileSync(file, "utf8"),
  };
}
