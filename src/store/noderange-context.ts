import { readFileSync } from "node:fs";
import type { NoderangeContext } from "../noderange/noderange.js";
import type { Store } from "./store.js";

export function storeNoderangeContext(store: Store): NoderangeContext {
  const groups = new Map<string, readonly string[] | undefined>();
  return {
    allNodes: store.listNames("node"),
    groupMembers: (name) => {
      if (!groups.has(name)) groups.set(name, store.groupMembers(name));
      return groups.get(name);
    },
    readFile: (file) => readFileSync(file, "utf8"),
  };
}
