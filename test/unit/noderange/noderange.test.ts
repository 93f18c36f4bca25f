import { describe, expect, it } from "vitest";
import { expandNoderange, type NoderangeContext } from "../../../src/noderange/noderange.js";
import { SyscloneError } from "../../../src/errors/errors.js";

const groups: Record<string, string[]> = {
  compute: ["node01", "node02", "node03", "node04"],
  rack1: ["node01", "node02", "gpu01"],
  gpu: ["gpu01", "gpu02"],
};
const context: NoderangeContext = {
  allNodes: ["node01", "node02", "node03", "node04", "gpu01", "gpu02", "web-01"],
  groupMembers: (name) => groups[name],
  readFile: (path) => {
    if (path === "/etc/list") return "# comment\nnode01\n\ngpu[01-02] trailing words\n";
    throw new Error("ENOENT");
  },
};

describe("expandNoderange", () => {
  it.each([
    ["a,b", ["a", "b"]],
    ["node[01-03]", ["node01", "node02", "node03"]],
    ["node[8-11]", ["node8", "node9", "node10", "node11"]],
    ["node[1,3,5-6]", ["node1", "node3", "node5", "node6"]],
    ["node01-node03", ["node01", "node02", "node03"]],
    ["node1-node3", ["node1", "node2", "node3"]],
    ["node098-node101", ["node098", "node099", "node100", "node101"]],
    ["node1:node3", ["node1", "node2", "node3"]],
    ["rack01n1-rack01n3", ["rack01n1", "rack01n2", "rack01n3"]],
    ["f[1-2]n[1-3]", ["f1n1", "f1n2", "f1n3", "f2n1", "f2n2", "f2n3"]],
    ["node10+3", ["node10", "node11", "node12", "node13"]],
    ["node010+2", ["node010", "node011", "node012"]],
    ["10-12", ["node10", "node11", "node12"]],
    ["compute", ["node01", "node02", "node03", "node04"]],
    ["compute,-node02", ["node01", "node03", "node04"]],
    ["-node02,compute", ["node01", "node03", "node04"]],
    ["compute@rack1", ["node01", "node02"]],
    ["compute@rack1,gpu", ["node01", "node02", "gpu01", "gpu02"]],
    ["/^gpu", ["gpu01", "gpu02"]],
    ["/0[12]$/", ["node01", "node02", "gpu01", "gpu02", "web-01"]],
    ["^/etc/list", ["node01", "gpu01", "gpu02"]],
    ["web-01", ["web-01"]],
    ["node01,node01,compute", ["node01", "node02", "node03", "node04"]],
    ["(compute,gpu),-(node01,gpu01)", ["node02", "node03", "node04", "gpu02"]],
    ["compute,-/0[34]$", ["node01", "node02"]],
  ])("%s", (range, expected) => {
    expect(expandNoderange(range, context)).toEqual(expected);
  });

  it.each([
    ["", "empty"],
    ["node[01-", "unbalanced"],
    ["node[03-01]", "backwards"],
    ["a,,b", "empty element"],
    ["node[]", "empty []"],
    ["bad$name", "not a node name"],
    ["/*x", "invalid regular expression"],
    ["^/missing", "cannot read /missing"],
    ["a b", "white space"],
    ["node[1-999999]", "larger than"],
  ])("refuses %j with a clear message", (range, fragment) => {
    let caught: unknown;
    try {
      expandNoderange(range, context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyscloneError);
    expect((caught as SyscloneError).code).toBe("BAD_NODERANGE");
    expect((caught as SyscloneError).message).toContain(fragment);
  });
});
