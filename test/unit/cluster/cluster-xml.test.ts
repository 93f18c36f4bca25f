import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseClusterXml, rankGroups, renderClusterXml } from "../../../src/cluster/cluster-xml.js";
import { expandHostList, hostListEntry } from "../../../src/cluster/hostrange.js";
import { SyscloneError } from "../../../src/errors/errors.js";

/**
 * SystemImager's cluster.xml as SystemImager reads it. Answers from finley/SystemImager v4.3.0:
 * etc/cluster.xml's own comments (node001, in Login and Storage, gets Login's image SuSE10 and the
 * overrides SuSE10_frontend, SuSE10, Storage), lib/SystemImager/HostRange.pm (expand_groups_xml: the
 * global name is every node; expand_range_list splits on ",", " " and newlines; expand_range; sort_group:
 * by priority, none last, then by lower-cased name) and sbin/si_clusterconfig (a global <name> is required,
 * <priority> must be a number, <base_image> is refused).
 */
const fixture = readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "cluster", "si-cluster.xml"), "utf8");
const storageNodes = ["node001", ...Array.from({ length: 16 }, (_, i) => `node${1293 + i}`)];

function refusal(text: string): SyscloneError {
  try {
    parseClusterXml(text);
  } catch (error) {
    if (error instanceof SyscloneError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("SystemImager's etc/cluster.xml", () => {
  const cluster = parseClusterXml(fixture);

  it("reads the image server, the global name and override, and every group", () => {
    expect(cluster.master).toBe("master1");
    expect(cluster.name).toBe("all");
    expect(cluster.overrides).toEqual(["all"]);
    expect(cluster.groups).toEqual([
      { name: "Local", image: "Local", overrides: ["Local"], nodes: ["localhost"] },
      { name: "Login", priority: 10, image: "SuSE10", overrides: ["SuSE10_frontend", "SuSE10"], nodes: ["node001", "node002"] },
      { name: "Storage", priority: 20, image: "RHEL4", overrides: ["Storage"], nodes: storageNodes },
    ]);
  });

  it("ranks groups as sort_group does: Login (10), Storage (20), then Local (no priority)", () => {
    expect(rankGroups(cluster.groups).map((g) => g.name)).toEqual(["Login", "Storage", "Local"]);
    const node001 = rankGroups(cluster.groups.filter((g) => g.nodes.includes("node001")));
    expect(node001[0]?.image).toBe("SuSE10");
    expect(node001.flatMap((g) => g.overrides)).toEqual(["SuSE10_frontend", "SuSE10", "Storage"]);
  });

  it("exports in the same form and reads back the same", () => {
    const written = renderClusterXml(cluster);
    expect(written).toContain("<master>master1</master>\n  <name>all</name>\n  <override>all</override>");
    expect(parseClusterXml(written)).toEqual(cluster);
  });
});

describe("group ranking", () => {
  it.each([
    // [groups as listed in the file, ranked]
    [[{ name: "b", priority: 5 }, { name: "A", priority: 5 }], ["A", "b"]],
    [[{ name: "a" }, { name: "z", priority: 90 }], ["z", "a"]],
    [[{ name: "c" }, { name: "B" }, { name: "x", priority: 1_000 }], ["x", "B", "c"]],
    // Perl's ($priority or MAXINT): 0 counts as none.
    [[{ name: "zero", priority: 0 }, { name: "one", priority: 1 }], ["one", "zero"]],
  ])("%j ranks as %j", (groups, ranked) => {
    expect(rankGroups(groups).map((g) => g.name)).toEqual(ranked);
  });

  it("keeps a group without priority apart from numbered ones on export", () => {
    const text = renderClusterXml(parseClusterXml("<xml><name>all</name><group><name>a</name><node>n1</node></group></xml>"));
    expect(text).not.toContain("<priority>");
    expect(parseClusterXml(text).groups[0]?.priority).toBeUndefined();
  });
});

describe("node lists (HostRange::expand_range_list)", () => {
  it.each([
    ["node001,node1293-node1308", storageNodes],
    ["n1 n2\nn3,n4\t n5", ["n1", "n2", "n3", "n4", "n5"]],
    ["node8-node12", ["node10", "node11", "node12", "node8", "node9"]],
    ["node01-node03", ["node01", "node02", "node03"]],
    ["n01.cluster.org-n03.cluster.org", ["n01.cluster.org", "n02.cluster.org", "n03.cluster.org"]],
    ["192.168.0.254-192.168.1.1", ["192.168.0.254", "192.168.0.255", "192.168.1.0", "192.168.1.1"]],
    ["rack1-node05", ["rack1-node05"]],
    ["node5-node3", ["node5-node3"]],
    ["a\\-1-a\\-3", ["a-1", "a-2", "a-3"]],
    ["web\\-01", ["web-01"]],
    ["n2,n1,n2", ["n1", "n2"]],
    // sysclone's own bracket ranges are read too.
    ["gpu[01-03]", ["gpu01", "gpu02", "gpu03"]],
  ])("%j → %j", (list, names) => {
    expect(expandHostList(list, "group g")).toEqual(names);
  });

  it("refuses a range too large to hold", () => {
    expect(() => expandHostList("n1-n999999999", "group g")).toThrow(/more than 200000 nodes/);
  });

  it.each(["node1-node3", "rack1-node05", "web-01", "a-1-b", "10.0.0.1-10.0.0.2", "plain"])("writes %s so it reads back as that one name", (name) => {
    expect(expandHostList(hostListEntry(name), "")).toEqual([name]);
  });
});

describe("refusals: typed, one line, nothing half-read", () => {
  it.each([
    ["no global name", "<xml><group><name>g</name></group></xml>", "BAD_CLUSTER_XML", "no global <name>"],
    ["a group without a name", "<xml><name>all</name><group><node>n1</node></group></xml>", "BAD_CLUSTER_XML", "group #1 has no <name>"],
    ["a priority that is no number", "<xml><name>all</name><group><name>g</name><priority>high</priority></group></xml>", "BAD_CLUSTER_XML", 'priority "high"'],
    ["a priority beyond what sysclone ranks", "<xml><name>all</name><group><name>g</name><priority>999999</priority></group></xml>", "BAD_CLUSTER_XML", "not below 999999"],
    ["a group twice", "<xml><name>all</name><group><name>g</name></group><group><name>g</name></group></xml>", "BAD_CLUSTER_XML", "defined twice"],
    ["a command for nodes", "<xml><name>all</name><group><name>g</name><dynamic_node>ls</dynamic_node></group></xml>", "BAD_CLUSTER_XML", "<dynamic_node>"],
    ["the deprecated base_image", "<xml><name>all</name><group><name>g</name><base_image>x</base_image></group></xml>", "BAD_CLUSTER_XML", "<base_image>"],
    ["an unknown element", "<xml><name>all</name><group><name>g</name><nodes>n1</nodes></group></xml>", "BAD_CLUSTER_XML", "unknown element <nodes>"],
    ["a bad bracket range", "<xml><name>all</name><group><name>x</name><node>n[1-</node></group></xml>", "BAD_CLUSTER_XML", "group x"],
    ["a bad ip-range", "<xml><name>all</name><group><name>g</name><ip-range>10.0.0.1-x</ip-range></group></xml>", "BAD_CLUSTER_XML", "ip-range"],
    // Issue 13, finding 2: a name becomes a directory and an rsync module; checked as mkdef checks it.
    ["a group name that climbs out of overrides/", "<xml><name>all</name><group><name>../../../etc</name><node>n1</node></group></xml>", "BAD_NAME", 'group "../../../etc" is not a valid group name'],
    ["a group name with a slash", "<xml><name>all</name><group><name>etc/x</name></group></xml>", "BAD_NAME", "not a valid group name"],
    ["an image name that climbs", "<xml><name>all</name><group><name>g</name><image>../../etc</image></group></xml>", "BAD_NAME", "image"],
    ["an override that climbs", "<xml><name>all</name><group><name>g</name><override>../../root</override></group></xml>", "BAD_NAME", "not a valid override name"],
    ["a global override that climbs", "<xml><name>all</name><override>/etc</override></xml>", "BAD_NAME", "global override"],
    ["a global name that climbs", "<xml><name>..</name></xml>", "BAD_NAME", "global name"],
    ["a node name with a slash", "<xml><name>all</name><group><name>g</name><node>../etc</node></group></xml>", "BAD_NAME", "not a valid node name"],
    ["a master that is no host", "<xml><master>a;b</master><name>all</name></xml>", "BAD_NAME", "host name"],
    ["a name carrying a newline", "<xml><name>all</name><group><name>a&#10;b</name></group></xml>", "BAD_NAME", '"a\\nb"'],
  ])("%s", (_name, text, code, fragment) => {
    const error = refusal(text);
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
    expect(error.message).not.toMatch(/[\n\r]/);
  });
});

describe("the cluster.xml parser on arbitrary input", () => {
  const parsesOrRefuses = (text: string): void => {
    try {
      parseClusterXml(text);
    } catch (error) {
      if (!(error instanceof SyscloneError) || !["BAD_CLUSTER_XML", "BAD_NAME"].includes(error.code)) throw error;
    }
  };

  it("arbitrary strings either parse or are refused with BAD_CLUSTER_XML or BAD_NAME", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), parsesOrRefuses), { numRuns: 500 });
  });

  const tags = fc.constantFrom("xml", "master", "name", "override", "group", "priority", "image", "node", "ip-range", "domain", "dynamic_node", "__proto__", "constructor", "x");
  const texts = fc.oneof(
    fc.constantFrom("", "all", "g", "10", "0", "-1", "node1-node3", "n[1-3]", "n[1-", "10.0.0.1-10.0.0.3", "a b,c", "../etc", "&amp;", "1e3", "node1-node99999999"),
    fc.string({ maxLength: 10 }).map((s) => s.replace(/[<&]/g, "")),
  );
  const element: fc.Memo<string> = fc.memo((depth) =>
    fc.tuple(tags, texts, depth > 1 ? fc.array(element(depth - 1), { maxLength: 4 }) : fc.constant([]))
      .map(([tag, text, kids]) => `<${tag}>${text}${kids.join("")}</${tag}>`),
  );

  it("XML-ish documents of cluster elements either parse or are refused with BAD_CLUSTER_XML or BAD_NAME", () => {
    fc.assert(fc.property(fc.array(element(3), { maxLength: 4 }).map((inner) => `<xml>${inner.join("")}</xml>`), parsesOrRefuses), { numRuns: 1500 });
  });
});
