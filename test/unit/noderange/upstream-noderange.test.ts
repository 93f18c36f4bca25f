/**
 * xCAT's own noderange examples with their stated results:
 * - "noderange(3)": xcat2/xcat-core @7733d16f, docs/source/guides/admin-guides/references/man3/noderange.3.rst
 * - "xCAT-test <case>": xcat2/xcat-core @7733d16f, xCAT-test/autotest/testcase/noderange/cases0
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../helpers/cli.js";
import { Cluster, refusal, seq, sorted } from "./cluster.js";

function without(names: readonly string[], ...drop: (readonly string[])[]): string[] {
  const dropped = new Set(drop.flat());
  return names.filter((name) => !dropped.has(name));
}

describe("noderange(3), Description", () => {
  const forms = new Cluster();
  forms.mkdef("node[01-20]", { groups: "all" });
  forms.mkdef("node001-node200", { groups: "padded" });
  forms.mkdef("f[1-3]n[1-3]");
  forms.mkdef("a1,a2", { groups: "group1" });
  forms.mkdef("b1", { groups: "group2" });
  forms.mkdef("c1", { groups: "group3" });
  forms.mkdef("d1", { groups: "group4" });
  forms.mkdef("node10-node20,node3,node4,node5,node6,node30,node41");

  it.each(["node01-node10", "node[01-10]", "node01:node10", "node[01:10]"])("%s is node01,node02,...node10", (range) => {
    expect(forms.expand(range)).toEqual(seq("node", 1, 10, 2));
  });

  it("f[1-2]n[1-3] is f1n1,f1n2,f1n3,f2n1,f2n2,f2n3", () => {
    expect(forms.expand("f[1-2]n[1-3]")).toEqual(["f1n1", "f1n2", "f1n3", "f2n1", "f2n2", "f2n3"]);
  });

  it("group1-group3 is group1,group2,group3", () => {
    expect(forms.expand("group1-group3")).toEqual(["a1", "a2", "b1", "c1"]);
  });

  it('node001-node200: "it will add the proper number of zeroes to make all numbers 3 digits"', () => {
    expect(forms.expand("node001-node200")).toEqual(seq("node", 1, 200, 3));
  });

  it("node10+3 is node10,node11,node12,node13", () => {
    expect(forms.expand("node10+3")).toEqual(["node10", "node11", "node12", "node13"]);
  });

  it("the shorthands 10-20 and 10+3 take the prefix node", () => {
    expect(forms.expand("10-20")).toEqual(seq("node", 10, 20));
    expect(forms.expand("10+3")).toEqual(["node10", "node11", "node12", "node13"]);
  });

  it("/node[345].* matches nodes that start with node3, node4 or node5; /group[12].* groups that start with group1 or group2", () => {
    expect(sorted(forms.expand("/node[345].*"))).toEqual(["node3", "node30", "node4", "node41", "node5"]);
    expect(sorted(forms.expand("/group[12].*"))).toEqual(["a1", "a2", "b1"]);
  });

  it("group1@group2 is the nodes group1 and group2 have in common", () => {
    const shared = new Cluster();
    shared.mkdef("n1,n2", { groups: "group1" });
    shared.mkdef("n3", { groups: "group1,group2" });
    shared.mkdef("n4", { groups: "group2" });
    expect(shared.expand("group1@group2")).toEqual(["n3"]);
  });

  it("^/tmp/nodelist: comments, the ^/tmp/foo line and what follows a name are ignored; -node50 excludes", () => {
    const withFile = new Cluster();
    withFile.mkdef("node[01-60]");
    withFile.mkdef("grp4a", { groups: "group4" });
    withFile.chdefAppend("node50", "groups", "group5");
    withFile.chdefAppend("node51", "groups", "group5");
    withFile.chdefAppend("node59", "groups", "group6x");
    withFile.chdefAppend("node07", "groups", "group7");
    withFile.writeFile("/tmp/nodelist", readFileSync(path.join(projectRoot, "test/fixtures/noderange/nodelist"), "utf8"));
    // /tmp/foo is never written: reading it would be an error.
    expect(sorted(withFile.expand("^/tmp/nodelist"))).toEqual(sorted(["node01", "node02", "node03", ...seq("node", 10, 20, 2), "grp4a", "node51", "node59"]));
  });

  it("node01-node30,node40,^/tmp/nodes,/node[13].*,2-10,node50+5: any combination", () => {
    const mixed = new Cluster();
    mixed.mkdef("node[01-60],node1-node60,other1");
    mixed.writeFile("/tmp/nodes", "other1\n");
    const expected = [...seq("node", 1, 30, 2), "node40", "other1", ...mixed.context().allNodes.filter((n) => n.startsWith("node1") || n.startsWith("node3")), ...seq("node", 2, 10), ...seq("node", 50, 55)];
    expect(sorted(mixed.expand("node01-node30,node40,^/tmp/nodes,/node[13].*,2-10,node50+5"))).toEqual(sorted([...new Set(expected)]));
  });

  it('"Any individual noderange may be prefixed with an exclusion operator ... with the exception of the file operator"', () => {
    const withFile = new Cluster();
    withFile.mkdef("n1");
    withFile.writeFile("/tmp/nodes", "n1\n");
    expect(refusal(() => withFile.expand("n1,-^/tmp/nodes")).code).toBe("BAD_NODERANGE");
  });
});

describe("noderange(3), Examples", () => {
  const site = new Cluster(["groups", "nodehm.cons"]);
  site.mkdef("node1-node256,node21234,xnode2,user1-user4", { groups: "all" });
  for (const [rack, from] of [["rack1", 1], ["rack2", 21], ["rack3", 41]] as const) for (const node of seq("node", from, from + 19)) site.chdefAppend(node, "groups", rack);
  for (const node of seq("node", 250, 256)) site.chdefAppend(node, "groups", "storage");
  const all = site.expand("all");

  it("1. all,-node5-node10: all nodes less node5 through node10", () => {
    expect(sorted(site.expand("all,-node5-node10"))).toEqual(sorted(without(all, seq("node", 5, 10))));
  });

  it("2. node1-node10,-node3-node5,node4: node1 through node10 less 3, 4 and 5 (exclusion has precedence)", () => {
    expect(sorted(site.expand("node1-node10,-node3-node5,node4"))).toEqual(sorted(["node1", "node2", "node6", "node7", "node8", "node9", "node10"]));
  });

  it("3. node1-node10,-node3,-node5: node1 through node10 less 3 and 5", () => {
    expect(sorted(site.expand("node1-node10,-node3,-node5"))).toEqual(sorted(["node1", "node2", "node4", "node6", "node7", "node8", "node9", "node10"]));
  });

  it("4. -node17-node32,all: all nodes less 17 through 32", () => {
    expect(sorted(site.expand("-node17-node32,all"))).toEqual(sorted(without(all, seq("node", 17, 32))));
  });

  it("5. node1-node128,user1-user4: nodes 1 through 128 and user nodes 1 through 4", () => {
    expect(sorted(site.expand("node1-node128,user1-user4"))).toEqual(sorted([...seq("node", 1, 128), ...seq("user", 1, 4)]));
  });

  it("6. all,-rack1-rack3,-node100-node200,node150,-storage: node150 is listed but excluded", () => {
    const expected = without(all, seq("node", 1, 60), seq("node", 100, 200), seq("node", 250, 256));
    expect(expected).not.toContain("node150");
    expect(sorted(site.expand("all,-rack1-rack3,-node100-node200,node150,-storage"))).toEqual(sorted(expected));
  });

  it("7. /node[23].*: every node that starts with node2 or node3 (node2, node3, node20, node30, node21234), not xnode2", () => {
    const result = site.expand("/node[23].*");
    expect(sorted(result)).toEqual(sorted(all.filter((n) => n.startsWith("node2") || n.startsWith("node3"))));
    for (const node of ["node2", "node3", "node20", "node30", "node21234"]) expect(result).toContain(node);
    expect(result).not.toContain("xnode2");
  });

  it("8. nodehm.cons==hmc and nodehm.cons=~hmc: nodes with the value hmc (sysclone has no such attribute; this context names one)", () => {
    const consoles = new Cluster(["nodehm.cons"]);
    consoles.mkdef("c1,c2", { "nodehm.cons": "hmc" });
    consoles.mkdef("c3", { "nodehm.cons": "ipmi" });
    consoles.mkdef("c4", { "nodehm.cons": "myhmc" });
    expect(consoles.expand("nodehm.cons==hmc")).toEqual(["c1", "c2"]);
    expect(consoles.expand("nodehm.cons=~hmc")).toEqual(["c1", "c2", "c4"]);
  });

  it("9. f[1-2]n[1-42]: the nodes in the first two frames", () => {
    const frames = new Cluster();
    frames.mkdef("f[1-3]n[1-42]");
    expect(frames.expand("f[1-2]n[1-42]")).toEqual([...seq("f1n", 1, 42), ...seq("f2n", 1, 42)]);
  });
});

describe("xCAT-test noderange cases: mkdef RANGE, then nodels RANGE", () => {
  it.each([
    ["noderange_individual_node", "testnode01", ["testnode01"]],
    ["noderange_node01-node10", "nrtestnode01-nrtestnode10", seq("nrtestnode", 1, 10, 2)],
    ["noderange_node_01-10", "nrtestnode[01-10]", seq("nrtestnode", 1, 10, 2)],
    ["noderange_node01_10", "nrtestnode[01:10]", seq("nrtestnode", 1, 10, 2)],
    ["noderange_f1-f2_n1-n3", "f[1-2]n[1-3]", ["f1n1", "f1n2", "f1n3", "f2n1", "f2n2", "f2n3"]],
    ["noderange_node10_plus_3", "nrtestnode10+3", seq("nrtestnode", 10, 13)],
    ["noderange_10-20", "10-20", seq("node", 10, 20)],
  ])("%s: %s", (_case, range, expected) => {
    const cluster = new Cluster();
    expect(cluster.mkdef(range, { groups: "all" })).toEqual(expected);
    expect(cluster.expand(range)).toEqual(expected);
  });

  it("noderange_individual_grp: nodels nrtestgrp", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode01,testnode02", { groups: "nrtestgrp" });
    expect(cluster.expand("nrtestgrp")).toEqual(["testnode01", "testnode02"]);
  });

  it("noderange_group1-group3: nodels nrtestgrp1-nrtestgrp3", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode01", { groups: "nrtestgrp1" });
    cluster.mkdef("testnode02", { groups: "nrtestgrp2" });
    cluster.mkdef("testnode03", { groups: "nrtestgrp3" });
    expect(cluster.expand("nrtestgrp1-nrtestgrp3")).toEqual(["testnode01", "testnode02", "testnode03"]);
  });

  it("noderange_XCAT_NODE_PREFIX and _SUFFIX: nodels 10-20 with no such nodes names abc10,...,abc20 (abc10def,...) in its error", () => {
    const prefixed = new Cluster(undefined, { prefix: "abc", suffix: "" });
    expect(refusal(() => prefixed.expand("10-20")).message).toContain(seq("abc", 10, 20).join(","));
    const both = new Cluster(undefined, { prefix: "abc", suffix: "def" });
    expect(refusal(() => both.expand("10-20")).message).toContain(seq("abc", 10, 20, 0, "def").join(","));
  });

  it("noderange_slash_urtestnode_dot_star: nodels /nrtestnode.*", () => {
    const cluster = new Cluster();
    cluster.mkdef("nrtestnode1-nrtestnode3", { groups: "all" });
    expect(cluster.expand("/nrtestnode.*")).toEqual(["nrtestnode1", "nrtestnode2", "nrtestnode3"]);
  });

  it("noderange_dir_tmp-nodelistfile: nodels ^/tmp/nodelist", () => {
    const cluster = new Cluster();
    cluster.mkdef("nrnode1,nrnode2", { groups: "all" });
    cluster.writeFile("/tmp/nodelist", "nrnode1\nnrnode2\n");
    expect(cluster.expand("^/tmp/nodelist")).toEqual(["nrnode1", "nrnode2"]);
  });

  it("noderange_exclusion: nodels exnode1-exnode5,-exnode3,-exnode4", () => {
    const cluster = new Cluster();
    cluster.mkdef("exnode1-exnode5", { groups: "all" });
    expect(cluster.expand("exnode1-exnode5,-exnode3,-exnode4")).toEqual(["exnode1", "exnode2", "exnode5"]);
  });

  it("noderange_group_intersection: nodels group1@group2", () => {
    const cluster = new Cluster();
    cluster.mkdef("nrtestnode1-nrtestnode3", { groups: "group1" });
    cluster.chdefAppend("nrtestnode1", "groups", "group2");
    expect(cluster.expand("group1@group2")).toEqual(["nrtestnode1"]);
  });
});
