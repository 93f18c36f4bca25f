import { describe, expect, it } from "vitest";
import { eventFilter } from "../../../src/auth/event-scope.js";
import type { NodeFactsSource } from "../../../src/auth/node-facts.js";
import type { Principal } from "../../../src/auth/policy.js";

/** n01 in rack1, n03 in rack2; `nodes` can change between reads. */
function source(nodes: { name: string; groups: string }[]): NodeFactsSource & { reads: number } {
  const counted = {
    reads: 0,
    listObjects: () => {
      counted.reads++;
      return nodes.map((node) => ({ name: node.name, attributes: { groups: node.groups } }));
    },
    getObject: () => undefined,
  };
  return counted;
}

const operator: Principal = { name: "otto", role: "operator", groups: ["rack2"] };

describe("eventFilter", () => {
  it.each<[string, Principal, string[]]>([
    ["an admin", { name: "alice", role: "admin", groups: [] }, ["", "n01", "n03", "gone"]],
    ["an unscoped viewer", { name: "vera", role: "viewer", groups: [] }, ["", "n01", "n03", "gone"]],
    ["an operator of rack2", operator, ["", "n03"]],
  ])("%s sees events about %j", (_who, principal, seen) => {
    const allowed = eventFilter(source([{ name: "n01", groups: "rack1" }, { name: "n03", groups: "rack2" }]), principal);
    expect(["", "n01", "n03", "gone"].filter((node) => allowed({ node }))).toEqual(seen);
  });

  it("reads the scope again only after refreshMs", () => {
    let now = 0;
    const nodes = [{ name: "n03", groups: "rack2" }];
    const store = source(nodes);
    const allowed = eventFilter(store, operator, 2000, () => now);
    expect(allowed({ node: "n05" })).toBe(false);
    nodes.push({ name: "n05", groups: "rack2" });
    now = 1999;
    expect(allowed({ node: "n05" })).toBe(false);
    expect(store.reads).toBe(1);
    now = 2000;
    expect(allowed({ node: "n05" })).toBe(true);
    expect(store.reads).toBe(2);
    // Events about no node need no read at all.
    now = 9999;
    expect(allowed({ node: "" })).toBe(true);
    expect(store.reads).toBe(2);
  });
});
