/**
 * xCAT's nodels examples with their stated results:
 * - "nodels(1)": xcat2/xcat-core @7733d16f, docs/source/guides/admin-guides/references/man1/nodels.1.rst
 * - "xCAT-test <case>": xcat2/xcat-core @7733d16f, xCAT-test/autotest/testcase/nodels/cases0
 *
 * Where the man page disagrees with itself: examples 4 and 5 print "node: column: value" for a
 * single column, example 6 prints "node: value". xCAT's nodels (tabutils.pm) and the xCAT-test
 * cases (nodels_noderange_shortname_groups expects "testnode: rhels5.5") agree with example 6;
 * we follow them, and examples 4 and 5's form is what -H prints.
 */
import { describe, expect, it } from "vitest";
import { Cluster, refusal, seq } from "./cluster.js";

describe("nodels(1) examples", () => {
  it("1. nodels lists every node", () => {
    const cluster = new Cluster();
    cluster.mkdef("node1-node3");
    expect(cluster.nodels(undefined)).toEqual(["node1", "node2", "node3"]);
  });

  it("2. nodels rra001a noderes: sysclone keeps no noderes columns, so it is refused rather than printing nothing", () => {
    const cluster = new Cluster();
    cluster.mkdef("rra001a");
    const error = refusal(() => cluster.nodels("rra001a", ["noderes"]));
    expect(error.code).toBe("BAD_ATTRIBUTE");
    expect(error.message).toContain('"noderes"');
  });

  it("3. nodels ppc lists the nodes of group ppc", () => {
    const cluster = new Cluster();
    cluster.mkdef("ppcnode1-ppcnode3", { groups: "ppc" });
    cluster.mkdef("other1");
    expect(cluster.nodels("ppc")).toEqual(["ppcnode1", "ppcnode2", "ppcnode3"]);
  });

  const grouped = new Cluster();
  grouped.mkdef("node1", { groups: "all" });
  grouped.mkdef("node2", { groups: "all,storage" });
  grouped.mkdef("node3", { groups: "all,blade" });

  it("4. nodels all groups (the man page's labelled form is -H's; see the note above)", () => {
    expect(grouped.nodels("all", ["groups"], true)).toEqual(["node1: groups: all", "node2: groups: all,storage", "node3: groups: all,blade"]);
    expect(grouped.nodels("all", ["groups"])).toEqual(["node1: all", "node2: all,storage", "node3: all,blade"]);
  });

  const blades = new Cluster(["groups", "nodehm.power", "nodehm.mgt", "mp.mpa", "mp.id"]);
  blades.mkdef("node1", { groups: "all", "nodehm.power": "blade" });
  blades.mkdef("node2,node3", { groups: "all", "nodehm.power": "ipmi" });
  for (const n of seq("", 1, 13)) blades.mkdef(`blade${n}`, { groups: "all", "nodehm.mgt": "blade", "mp.mpa": "amm1", "mp.id": n });
  blades.mkdef("blade14", { groups: "all", "mp.mpa": "mm2", "mp.id": "14" });

  it("5. nodels all nodehm.power (a context naming xCAT's column; labelled form with -H as in 4)", () => {
    expect(blades.nodels("node1-node3", ["nodehm.power"], true)).toEqual(["node1: nodehm.power: blade", "node2: nodehm.power: ipmi", "node3: nodehm.power: ipmi"]);
  });

  it("6. nodels blade1 nodehm.mgt prints blade1: blade", () => {
    expect(blades.nodels("blade1", ["nodehm.mgt"])).toEqual(["blade1: blade"]);
  });

  it("7. nodels all mp.mpa==amm1 lists blade1, blade10 ... blade13, blade2 ... blade9", () => {
    expect(blades.nodels("all", ["mp.mpa==amm1"])).toEqual([
      "blade1", "blade10", "blade11", "blade12", "blade13", "blade2", "blade3", "blade4", "blade5", "blade6", "blade7", "blade8", "blade9",
    ]);
  });

  it("8. nodels all nodepos.rack==2 switch.switch prints nX: switch.switch: switch2 for rack 2's nodes", () => {
    const racks = new Cluster(["groups", "nodepos.rack", "switch.switch"]);
    racks.mkdef("n[30-40]", { groups: "all", "nodepos.rack": "1", "switch.switch": "switch1" });
    racks.mkdef("n[41-47],n[55-60]", { groups: "all", "nodepos.rack": "2", "switch.switch": "switch2" });
    racks.mkdef("n[48-54]", { groups: "all", "nodepos.rack": "3", "switch.switch": "switch2" });
    expect(racks.nodels("all", ["nodepos.rack==2", "switch.switch"])).toEqual([...seq("n", 41, 47), ...seq("n", 55, 60)].map((n) => `${n}: switch.switch: switch2`));
  });

  it("9. nodels all mp.mpa=~/^amm.*/ mp.id prints bladeN: mp.id: N", () => {
    const ids = ["1", "10", "11", "12", "13", "2", "3", "4", "5", "6", "7", "8", "9"];
    expect(blades.nodels("all", ["mp.mpa=~/^amm.*/", "mp.id"])).toEqual(ids.map((n) => `blade${n}: mp.id: ${n}`));
  });
});

describe("xCAT-test nodels cases", () => {
  it("nodels_null and nodels_noderange: nodels lists testnode; nodels testnode prints exactly testnode", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "all,aix" });
    cluster.mkdef("other");
    expect(cluster.nodels(undefined)).toContain("testnode");
    expect(cluster.nodels("testnode")).toEqual(["testnode"]);
  });

  it.each(["groups", "tags"])("nodels_noderange_shortname_%s: nodels testnode %s prints testnode: rhels5.5", (shortname) => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "rhels5.5" });
    expect(cluster.nodels("testnode", [shortname])).toEqual(["testnode: rhels5.5"]);
  });

  it.each([["mgt"], ["nodehm.mgt"]])("nodels_noderange_shortname_mgt / _tablecolumn: %s is the node's mgt (ipmi)", (column) => {
    const cluster = new Cluster(["groups", "mgt"]);
    cluster.mkdef("testnode", { groups: "all", mgt: "ipmi" });
    expect(cluster.nodels("testnode", [column])).toEqual([`testnode: ipmi`]);
  });

  it.each([["cons"], ["nodehm.cons"]])("an xCAT column sysclone has no counterpart for (%s) is refused with an error saying so", (column) => {
    const cluster = new Cluster(["groups", "mgt"]);
    cluster.mkdef("testnode", { groups: "all" });
    const error = refusal(() => cluster.nodels("testnode", [column]));
    expect(error.code).toBe("BAD_ATTRIBUTE");
    expect(error.message).toContain("nodehm.cons has no counterpart");
  });

  it("nodels_table_include and nodels_noderange_table_equal: nodels groups=~rh4.123456789 / groups==rh4.123456789", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "rh4.123456789" });
    cluster.mkdef("other", { groups: "rh4" });
    expect(cluster.nodels("groups=~rh4.123456789")).toEqual(["testnode"]);
    expect(cluster.nodels("groups==rh4.123456789")).toEqual(["testnode"]);
  });

  it("nodels_noderange_table_uninclude: nodels testnode1-testnode2 nodelist.groups!~rhels5.5", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode1", { groups: "rhels5.5,all" });
    cluster.mkdef("testnode2", { groups: "rhels5.4,all" });
    expect(cluster.nodels("testnode1-testnode2", ["nodelist.groups!~rhels5.5"])).toEqual(["testnode2"]);
  });

  it("nodels_noderange_table_unequal: nodels testnode1-testnode2 groups!=rhels5.5", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode1", { groups: "rhels5.5" });
    cluster.mkdef("testnode2", { groups: "rhels5.4" });
    expect(cluster.nodels("testnode1-testnode2", ["groups!=rhels5.5"])).toEqual(["testnode2"]);
  });

  it("nodels_H: nodels -H all groups prints testnode: groups: all,aix (the case's mgt column has no counterpart)", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "all,aix" });
    expect(cluster.nodels("all", ["groups"], true)).toEqual(["testnode: groups: all,aix"]);
  });

  it("nodels_noderange_table: nodels testnode nodelist prints testnode: nodelist.groups: all", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "all", state: "defined" });
    expect(cluster.nodels("testnode", ["nodelist"])).toEqual(["testnode: nodelist.groups: all", "testnode: nodelist.status: defined"]);
  });

  it("nodels_tablevalue: nodels rh4.1234567890 lists the group's node", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "rh4.1234567890" });
    expect(cluster.nodels("rh4.1234567890")).toEqual(["testnode"]);
  });

  it("nodels_err_symbol: nodels -H all unknown is an error", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode", { groups: "all" });
    expect(refusal(() => cluster.nodels("all", ["unknown"], true)).code).toBe("BAD_ATTRIBUTE");
  });

  it("nodels_err_noderange: nodels douniwan is an error naming it", () => {
    const cluster = new Cluster();
    cluster.mkdef("testnode");
    const error = refusal(() => cluster.nodels("douniwan"));
    expect(error.code).toBe("UNKNOWN_OBJECT");
    expect(error.message).toBe("Invalid nodes and/or groups in noderange: douniwan");
  });
});

describe("nodels columns", () => {
  const cluster = new Cluster();
  cluster.mkdef("n1", { groups: "compute", osimage: "rocky9", mac: "52:54:00:00:00:01" });
  cluster.mkdef("n2", { groups: "compute,gpu", osimage: "cuda" });

  it.each([
    [["osimage"], false, ["n1: rocky9", "n2: cuda"]],
    [["nodetype.provmethod"], false, ["n1: rocky9", "n2: cuda"]],
    [["osimage", "mac.mac"], false, ["n1: osimage: rocky9", "n1: mac.mac: 52:54:00:00:00:01", "n2: osimage: cuda", "n2: mac.mac: "]],
    [["groups=~gpu"], false, ["n2"]],
    [["groups=~gpu", "groups"], false, ["n2: groups: compute,gpu"]],
    [["groups=~compute", "osimage!=cuda", "mac"], false, ["n1: mac: 52:54:00:00:00:01"]],
    [["mac==52:54:00:00:00:01"], false, ["n1"]],
    [["mac=="], false, ["n2"]],
  ])("nodels compute %j", (columns, withFieldname, expected) => {
    expect(cluster.nodels("compute", columns, withFieldname)).toEqual(expected);
  });

  it.each([["groups=~("], ["=x"], ["nosuch==1"]])("refuses %s", (column) => {
    expect(refusal(() => cluster.nodels("compute", [column])).code).toBe("BAD_ATTRIBUTE");
  });
});
