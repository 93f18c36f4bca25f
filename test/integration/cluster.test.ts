import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseClusterXml, renderClusterXml } from "../../src/cluster/cluster-xml.js";
import { clusterFromStore, importCluster } from "../../src/cluster/sync.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { groupsByPriority, osimageOf } from "../../src/install/resolve.js";
import { Store } from "../../src/store/store.js";

/**
 * cluster.xml into the real store and back (SQLite in memory). SystemImager's answers for its
 * etc/cluster.xml (v4.3.0): the global name "all" is every node (HostRange::expand_groups_xml),
 * node001 is installed with Login's image SuSE10 (Login's priority 10 beats Storage's 20), and its
 * overrides apply Login's, then Storage's, then the global one ("first hit wins").
 */
const fixture = readFileSync(path.join(import.meta.dirname, "..", "fixtures", "cluster", "si-cluster.xml"), "utf8");
const everyNode = ["localhost", "node001", "node002", ...Array.from({ length: 16 }, (_, i) => `node${1293 + i}`)];

let store: Store;
beforeEach(() => {
  store = Store.open(":memory:");
});
afterEach(() => {
  store.close();
});

function snapshot(s: Store): unknown {
  return { nodes: s.listObjects("node"), groups: s.listObjects("group"), osimages: s.listObjects("osimage"), extras: s.setting("cluster.systemimager") ?? null };
}

describe("importing SystemImager's cluster.xml", () => {
  it("makes the global name a group of every node, ranked below all others", () => {
    const summary = importCluster(store, parseClusterXml(fixture));
    expect(summary).toEqual({ groups: 3, globalGroup: "all", nodesCreated: everyNode.length, nodesUpdated: 0 });
    expect(store.groupMembers("all")).toEqual(everyNode);
    expect(store.getObject("group", "all")?.["priority"]).toBe("1000000");
    expect(store.getObject("group", "Local")?.["priority"]).toBe("999999");
  });

  it("gives node001 Login's image and its groups in SystemImager's override order", () => {
    importCluster(store, parseClusterXml(fixture));
    expect(osimageOf(store, "node001")).toBe("SuSE10");
    expect(osimageOf(store, "node1300")).toBe("RHEL4");
    // groupsByPriority lists the weakest first: the global group, Storage, then Login (which wins).
    const node001 = store.requireObject("node", "node001");
    expect(groupsByPriority(store, node001).map((g) => g.name)).toEqual(["all", "Storage", "Login"]);
    expect(node001["groups"]).toBe("Login,Storage,all");
  });

  it("settles equal priorities by name, not by file order, and puts a group without priority below numbered ones", () => {
    importCluster(store, parseClusterXml(`<xml><name>all</name>
      <group><name>beta</name><priority>5</priority><image>imgb</image><node>n1</node></group>
      <group><name>Alpha</name><priority>5</priority><image>imga</image><node>n1</node></group>
      <group><name>aaa</name><image>none</image><node>n2</node></group>
      <group><name>zzz</name><priority>90</priority><image>ninety</image><node>n2</node></group></xml>`));
    expect(osimageOf(store, "n1")).toBe("imga");
    expect(osimageOf(store, "n2")).toBe("ninety");
  });

  it("exports what re-imports to the same store, keeping the master, global name and overrides and each group's overrides", () => {
    importCluster(store, parseClusterXml(fixture));
    const exported = renderClusterXml(clusterFromStore(store));
    expect(exported).toContain("<master>master1</master>");
    expect(exported).toMatch(/<name>Login<\/name>\s*<priority>10<\/priority>\s*<image>SuSE10<\/image>\s*<override>SuSE10_frontend<\/override>\s*<override>SuSE10<\/override>/);
    expect(exported).not.toMatch(/<group>\s*<name>all<\/name>/);
    const again = Store.open(":memory:");
    try {
      importCluster(again, parseClusterXml(exported));
      expect(snapshot(again)).toEqual(snapshot(store));
      expect(renderClusterXml(clusterFromStore(again))).toBe(exported);
      expect(parseClusterXml(exported)).toEqual({ ...parseClusterXml(fixture), groups: parseClusterXml(fixture).groups.slice().sort((a, b) => (a.priority ?? 1e9) - (b.priority ?? 1e9)) });
    } finally {
      again.close();
    }
  });

  it("exports a node that is only in the global group in a group of that name, and reads it back", () => {
    importCluster(store, parseClusterXml("<xml><name>all</name><group><name>g</name><node>n1</node></group></xml>"));
    store.createObject("node", "lonely", { groups: "all" });
    const exported = renderClusterXml(clusterFromStore(store));
    const again = Store.open(":memory:");
    try {
      importCluster(again, parseClusterXml(exported));
      expect(again.groupMembers("all")).toEqual(["lonely", "n1"]);
      expect(again.getObject("group", "all")?.["priority"]).toBe("1000000");
    } finally {
      again.close();
    }
  });
});

describe("issue 13, finding 2: names from cluster.xml are checked before anything is stored", () => {
  it.each([
    ["a group", "<group><name>../../../etc</name><node>n1</node></group>"],
    ["an image", "<group><name>g</name><image>../../etc</image><node>n1</node></group>"],
    ["a node", "<group><name>g</name><node>n1,../../etc</node></group>"],
    ["an override", "<group><name>g</name><override>../../../etc</override><node>n1</node></group>"],
  ])("%s climbing out of its directory is refused with BAD_NAME and the store is unchanged", (_what, group) => {
    importCluster(store, parseClusterXml("<xml><name>all</name><group><name>keep</name><node>k1</node></group></xml>"));
    const before = snapshot(store);
    let caught: unknown;
    try {
      importCluster(store, parseClusterXml(`<xml><name>all</name><group><name>ok</name><node>n0</node></group>${group}</xml>`));
    } catch (error) {
      caught = error;
    }
    expect(isSyscloneError(caught) && caught.code).toBe("BAD_NAME");
    expect(snapshot(store)).toEqual(before);
    expect(store.getObject("group", "../../../etc")).toBeUndefined();
  });
});
