import { describe, expect, it } from "vitest";
import { expandNoderange, type ExpandOptions, type NoderangeContext } from "../../../src/noderange/noderange.js";
import { refusal } from "./cluster.js";

const groups: Record<string, string[]> = {
  compute: ["node01", "node02", "node03", "node04"],
  rack1: ["node01", "node02", "gpu01"],
  gpu: ["gpu01", "gpu02"],
  empty: [],
};
const attributes: Record<string, Record<string, string>> = {
  node01: { groups: "compute,rack1", osimage: "rocky9" },
  node02: { groups: "compute,rack1", osimage: "rocky9" },
  node03: { groups: "compute", osimage: "alma9" },
  gpu01: { groups: "rack1,gpu", osimage: "cuda" },
};
const files: Record<string, string> = {
  "/etc/list": "# comment\nnode01\n\ngpu[01-02] trailing words\n",
  "/etc/excl": "compute\n-node03\n",
  "/etc/nested": "node01,^/etc/list\n",
  "/etc/colon": "node02: a comment after a colon\n  node03\t# indented, then a tab\n",
  "/etc/ranges": "node0[1:2]\nnode03:node04\ngpu01:\n",
};
const context: NoderangeContext = {
  allNodes: ["node01", "node02", "node03", "node04", "gpu01", "gpu02", "web-01", "sw1.cluster", "sw2.cluster", "xnode2"],
  allGroups: Object.keys(groups),
  groupMembers: (name) => (Object.hasOwn(groups, name) ? groups[name] : undefined),
  readFile: (path) => {
    const text = Object.hasOwn(files, path) ? files[path] : undefined;
    if (text === undefined) throw new Error("ENOENT");
    return text;
  },
  attributeNames: ["groups", "osimage", "mac", "state"],
  attribute: (node, name) => (Object.hasOwn(attributes, node) ? attributes[node]?.[name] : undefined) ?? "",
};

describe("expandNoderange", () => {
  it.each([
    ["a,b", ["a", "b"]],
    ["node[01-03]", ["node01", "node02", "node03"]],
    ["node[01:03]", ["node01", "node02", "node03"]],
    ["node[8-11]", ["node8", "node9", "node10", "node11"]],
    ["node[1,3,5-6]", ["node1", "node3", "node5", "node6"]],
    ["node[1,3,5:6]", ["node1", "node3", "node5", "node6"]],
    ["node01-node03", ["node01", "node02", "node03"]],
    ["node1-node3", ["node1", "node2", "node3"]],
    ["node098-node101", ["node098", "node099", "node100", "node101"]],
    ["node1:node3", ["node1", "node2", "node3"]],
    ["rack01n1-rack01n3", ["rack01n1", "rack01n2", "rack01n3"]],
    ["node1-compute-node3-compute", ["node1-compute", "node2-compute", "node3-compute"]],
    ["f[1-2]n[1-3]", ["f1n1", "f1n2", "f1n3", "f2n1", "f2n2", "f2n3"]],
    ["node10+3", ["node10", "node11", "node12", "node13"]],
    ["node010+2", ["node010", "node011", "node012"]],
    ["node09+2", ["node09", "node10", "node11"]],
    ["10+2", ["node10", "node11", "node12"]],
    ["sw1.cluster+1", ["sw1.cluster", "sw2.cluster"]],
    ["n1.rack2.example+2", ["n1.rack2.example", "n2.rack2.example", "n3.rack2.example"]],
    ["node1a+2", ["node1a", "node2a", "node3a"]],
    ["rack01node07+1", ["rack01node07", "rack01node08"]],
    ["10-12", ["node10", "node11", "node12"]],
    ["10", ["node10"]],
    ["10-12,-11", ["node10", "node12"]],
    ["compute", ["node01", "node02", "node03", "node04"]],
    ["empty", []],
    ["compute,-node02", ["node01", "node03", "node04"]],
    ["-node02,compute", ["node01", "node03", "node04"]],
    ["compute@rack1", ["node01", "node02"]],
    ["compute@rack1,gpu", ["node01", "node02", "gpu01", "gpu02"]],
    ["compute@rack1@(node02,gpu01)", ["node02"]],
    ["(compute,-node01)@rack1", ["node02"]],
    ["/gpu.*", ["gpu01", "gpu02"]],
    ["/.*0[12]/", ["node01", "node02", "gpu01", "gpu02", "web-01"]],
    ["/node0", []],
    ["/comp.*", ["node01", "node02", "node03", "node04"]],
    ["^/etc/list", ["node01", "gpu01", "gpu02"]],
    ["^/etc/excl", ["node01", "node02", "node04"]],
    ["^/etc/excl,node03", ["node01", "node02", "node04"]],
    ["^/etc/colon", ["node02", "node03"]],
    ["^/etc/ranges", ["node01", "node02", "node03", "node04", "gpu01"]],
    ["web-01", ["web-01"]],
    ["node01,node01,compute", ["node01", "node02", "node03", "node04"]],
    ["(compute,gpu),-(node01,gpu01)", ["node02", "node03", "node04", "gpu02"]],
    ["compute,-/.*0[34]", ["node01", "node02"]],
    ["osimage==rocky9", ["node01", "node02"]],
    ["osimage=rocky9", ["node01", "node02"]],
    ["osimage!=rocky9", ["node03", "node04", "gpu01", "gpu02", "web-01", "sw1.cluster", "sw2.cluster", "xnode2"]],
    ["groups=~rack", ["node01", "node02", "gpu01"]],
    ["groups=~/^compute$/", ["node03"]],
    ["compute@groups!~rack1", ["node03", "node04"]],
    ["nodetype.provmethod==alma9", ["node03"]],
    ["tags=~gpu", ["gpu01"]],
    ["compute,-osimage==rocky9", ["node03", "node04"]],
  ])("%s", (range, expected) => {
    expect(expandNoderange(range, context)).toEqual(expected);
  });

  it("takes nodes before groups of the same name (noderange(3): nodes have precedence over groups)", () => {
    const shadowing: NoderangeContext = { ...context, allNodes: [...context.allNodes, "compute"] };
    expect(expandNoderange("compute", shadowing)).toEqual(["compute"]);
  });

  it("puts the context's shorthand prefix and suffix around bare numbers", () => {
    const abc: NoderangeContext = { ...context, shorthand: { prefix: "abc", suffix: "def" } };
    expect(expandNoderange("7,1-2,4+1", abc)).toEqual(["abc7def", "abc1def", "abc2def", "abc4def", "abc5def"]);
  });

  describe("with verify", () => {
    const verify: ExpandOptions = { verify: true };
    it.each([
      ["compute,gpu01", ["node01", "node02", "node03", "node04", "gpu01"]],
      ["empty", []],
      ["/nothing.*", []],
      ["osimage==none", []],
    ])("accepts %s", (range, expected) => {
      expect(expandNoderange(range, context, verify)).toEqual(expected);
    });

    it.each([
      ["douniwan", "douniwan"],
      ["node03-node06", "node05,node06"],
      ["x,compute,y,x", "x,y"],
      ["compute,-node99", "node99"],
      ["10-11", "node10,node11"],
    ])("refuses %s naming every unknown name in xCAT's words", (range, names) => {
      const error = refusal(() => expandNoderange(range, context, verify));
      expect(error.code).toBe("UNKNOWN_OBJECT");
      expect(error.message).toBe(`Invalid nodes and/or groups in noderange: ${names}`);
    });

    it("lists at most 50 unknown names", () => {
      const error = refusal(() => expandNoderange("x[1-60]", context, verify));
      expect(error.message).toBe(`Invalid nodes and/or groups in noderange: ${Array.from({ length: 50 }, (_, i) => `x${i + 1}`).join(",")} (and 10 more)`);
    });
  });

  it.each([
    ["", "empty"],
    ["node[01-", "unbalanced"],
    ["node[03-01]", "backwards"],
    ["a,,b", "empty element"],
    ["node[]", "empty []"],
    ["node[a-c]", "cannot read [a-c]"],
    ["node[1[2]]", "cannot nest"],
    ["bad$name", "not a node name"],
    ["/*x", "invalid regular expression"],
    ["/a|*b", "invalid regular expression"],
    ["^/missing", "cannot read /missing"],
    ["-^/etc/list", "cannot be excluded"],
    ["^/etc/nested", "cannot name another ^file"],
    ["a b", "white space"],
    ["a\nb", "white space"],
    ["node[1-999999]", "larger than"],
    ["a[1-1000]b[1-1000]", "more than 200000"],
    ["node[1-150000],n[1-150000]", "more than 200000"],
    ["node1+999999", "larger than"],
    ["node1+x", "+N with N a number"],
    ["node+1", "needs a name with a number"],
    [`node${"9".repeat(400)}-node${"9".repeat(401)}`, "more than 15 digits"],
    ["nosuch==1", "not a node attribute"],
    ["cons==ipmi", "nodehm.cons has no counterpart"],
    ["noderes.netboot==pxe", "not a node attribute"],
    ["nodelist.comments==x", "no counterpart of nodelist.comments"],
    ["groups=~*a", "invalid regular expression"],
    ["=x", "not a selection"],
    ["(".repeat(20) + "a" + ")".repeat(20), "nested too deeply"],
  ])("refuses %j with a clear message", (range, fragment) => {
    const error = refusal(() => expandNoderange(range, context));
    expect(error.code).toBe("BAD_NODERANGE");
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain("\n");
  });

  it("refuses selection and ^file when the context cannot supply them", () => {
    const bare: NoderangeContext = { allNodes: ["n1"], groupMembers: () => undefined };
    expect(refusal(() => expandNoderange("groups==x", bare)).message).toContain("not available here");
    expect(refusal(() => expandNoderange("^/etc/list", bare)).message).toContain("not available here");
  });
});
