import { describe, expect, it } from "vitest";
import { nodeFacts } from "../../../src/auth/node-facts.js";
import type { Principal } from "../../../src/auth/policy.js";
import { authorizeNodes, scopedNoderangeContext } from "../../../src/auth/scope.js";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../../../src/noderange/noderange.js";

// A small fleet: rack1 (a01-a03, a03 protected), rack2 (b01-b02), compute spanning both, frozen (protected) holding b02.
const stored: Record<string, Record<string, string>> = {
  a01: { groups: "rack1,compute,all", ip: "10.0.1.1" },
  a02: { groups: "rack1,compute,all", ip: "10.0.1.2" },
  a03: { groups: "rack1,all", ip: "10.0.1.3", protected: "yes", protectreason: "golden client" },
  b01: { groups: "rack2,compute,all", ip: "10.0.2.1" },
  b02: { groups: "rack2,frozen,all", ip: "10.0.2.2" },
};
const definedGroups: Record<string, Record<string, string>> = { frozen: { protected: "yes", protectreason: "change freeze" }, empty: {} };
const source = {
  listObjects: () => Object.entries(stored).map(([name, attributes]) => ({ name, attributes })),
  getObject: (_type: "group", name: string) => definedGroups[name],
};
const members = (group: string): string[] | undefined => {
  const found = Object.keys(stored).filter((node) => (stored[node]?.["groups"] ?? "").split(",").includes(group));
  return found.length > 0 ? found : group in definedGroups ? [] : undefined;
};
const world: NoderangeContext = {
  allNodes: Object.keys(stored),
  allGroups: ["all", "compute", "empty", "frozen", "rack1", "rack2"],
  groupMembers: members,
  readFile: () => "a01\n",
  attributeNames: ["groups", "ip"],
  attribute: (node, name) => stored[node]?.[name] ?? "",
};

const admin: Principal = { name: "ada", role: "admin", groups: [] };
const olga: Principal = { name: "olga", role: "operator", groups: ["rack1", "empty"] };
const vera: Principal = { name: "vera", role: "viewer", groups: [] };

function expandAs(principal: Principal, range: string): string {
  try {
    return expandNoderange(range, scopedNoderangeContext(world, principal, nodeFacts(source)), { verify: true }).join(",");
  } catch (error) {
    return isSyscloneError(error) ? `${error.code}: ${error.message}` : `other: ${String(error)}`;
  }
}

describe("noderanges expanded in a principal's scope", () => {
  it.each([
    [admin, "all", "a01,a02,a03,b01,b02"],
    [olga, "all", "a01,a02,a03"],
    [olga, "compute", "a01,a02"],
    [olga, "rack1", "a01,a02,a03"],
    [olga, "empty", ""],
    [olga, "/[ab]0.", "a01,a02,a03"],
    [olga, "/rack.*", "a01,a02,a03"],
    [olga, "ip=~^10\\.0\\.2", ""],
    [admin, "ip=~^10\\.0\\.2", "b01,b02"],
    [olga, "a0[1-3],-a02", "a01,a03"],
    [vera, "rack2", "b01,b02"],
  ] as const)("%s: %s → %s", (principal, range, expected) => {
    expect(expandAs(principal, range)).toBe(expected);
  });

  it.each([
    [olga, "rack2", 'UNKNOWN_OBJECT: Invalid nodes and/or groups in noderange: rack2'],
    [olga, "b01", "UNKNOWN_OBJECT: Invalid nodes and/or groups in noderange: b01"],
    [olga, "frozen", "UNKNOWN_OBJECT: Invalid nodes and/or groups in noderange: frozen"],
    [olga, "a01,b0[1-2]", "UNKNOWN_OBJECT: Invalid nodes and/or groups in noderange: b01,b02"],
  ] as const)("%s: %s is unknown, as if it did not exist", (principal, range, expected) => {
    expect(expandAs(principal, range)).toBe(expected);
  });

  it("never reads the server's files for a remote principal", () => {
    expect(expandAs(admin, "^/etc/passwd")).toMatch(/^BAD_NODERANGE: .*\^file is not available here/);
  });
});

describe("authorizeNodes", () => {
  function outcome(principal: Principal, action: "read" | "nodeset" | "boot", names: string[], options: { force?: boolean; confirm?: number } = {}): string {
    try {
      return authorizeNodes(source, principal, action, names, options).map((node) => node.name).join(",");
    } catch (error) {
      return isSyscloneError(error) ? `${error.code}: ${error.message}` : `other: ${String(error)}`;
    }
  }

  it.each([
    [olga, "nodeset", ["a01", "a02"], {}, "a01,a02"],
    [olga, "nodeset", ["a01", "b01"], {}, "UNKNOWN_OBJECT: no node named b01"],
    [olga, "nodeset", ["ghost", "b01", "a01"], {}, "UNKNOWN_OBJECT: no node named ghost,b01"],
    [admin, "nodeset", ["ghost"], {}, "UNKNOWN_OBJECT: no node named ghost"],
    [olga, "nodeset", [], {}, "EMPTY_NODERANGE: nodeset needs at least one node; the noderange selects none"],
    [vera, "nodeset", ["ghost"], {}, "FORBIDDEN: vera is a viewer and may not nodeset"],
    [olga, "nodeset", ["a03"], {}, "PROTECTED: nodeset refuses protected node a03 (node a03 is protected: golden client)"],
    [olga, "boot", ["a03"], {}, "a03"],
    [admin, "nodeset", ["b02"], {}, "PROTECTED: nodeset refuses protected node b02 (group frozen is protected: change freeze)"],
    [admin, "nodeset", ["b02"], { force: true }, "b02"],
    [vera, "read", ["b02"], {}, "b02"],
    [olga, "nodeset", ["a01", "a02"], { confirm: 3 }, "NEEDS_CONFIRMATION: nodeset would change 2 nodes, not the 3 confirmed"],
  ] as const)("%s %s %j %j → %s", (principal, action, names, options, expected) => {
    expect(outcome(principal, action, [...names], options)).toBe(expected);
  });
});
