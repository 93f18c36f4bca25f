import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-objects-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("object commands against the real store", () => {
  it("mkdef a range, chdef lists, lsdef stanzas back into mkdef -z elsewhere", async () => {
    expect((await runCli(home, "mkdef", ["node[01-04]", "groups=compute", "sshport=2222"])).code).toBe(0);
    expect((await runCli(home, "chdef", ["-p", "node0[1-2]", "groups=rack1"])).code).toBe(0);
    expect((await runCli(home, "chdef", ["node03", "mac=52-54-00-AA-BB-03", "ip=10.1.0.3"])).code).toBe(0);
    expect((await runCli(home, "nodels", ["compute@rack1"])).stdout).toBe("node01\nnode02\n");
    expect((await runCli(home, "nodels", ["compute,-node02"])).stdout).toBe("node01\nnode03\nnode04\n");
    const stanza = (await runCli(home, "lsdef", ["node03", "-z"])).stdout;
    expect(stanza).toContain("node03:\n    objtype=node\n");
    expect(stanza).toContain("    mac=52:54:00:aa:bb:03\n");

    const other = await mkdtemp(path.join(tmpdir(), "sysclone-objects-b-"));
    try {
      const imported = await runCli(other, "mkdef", ["-z"], { input: stanza.replace("    state=defined\n", "") });
      expect(imported.code, imported.stderr).toBe(0);
      expect((await runCli(other, "lsdef", ["node03", "-z"])).stdout).toBe(stanza);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("keeps groups, priorities and images in cluster.xml, and imports SystemImager's", async () => {
    expect((await runCli(home, "mkdef", ["-t", "group", "compute", "priority=10", "osimage=rocky9"])).code).toBe(0);
    const xml = await readFile(path.join(home, "images", "cluster.xml"), "utf8");
    expect(xml).toMatch(/<name>compute<\/name>\s*<priority>10<\/priority>\s*<image>rocky9<\/image>/);
    const file = path.join(home, "si-cluster.xml");
    await writeFile(file, "<xml><master>imageserver</master><name>c</name><group><name>gpu</name><priority>5</priority><image>cuda</image><node>gpu[01-03]</node><node>node04</node></group></xml>");
    const result = await runCli(home, "sysclone", ["cluster", "import", file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("3 node(s) created, 1 joined");
    expect((await runCli(home, "nodels", ["gpu"])).stdout).toBe("gpu01\ngpu02\ngpu03\nnode04\n");
    await writeFile(file, "<xml><group><name>x</name><node>n[1-</node></group></xml>");
    const bad = await runCli(home, "sysclone", ["cluster", "import", file]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("[BAD_CLUSTER_XML]");
  });

  it("nodeset sets each node's destiny: an install, a wipe chain, the local disk or a shell; a bad chain changes nothing", async () => {
    expect((await runCli(home, "mkdef", ["-t", "osimage", "img1"])).code).toBe(0);
    expect((await runCli(home, "mkdef", ["ns[1-3]", "osimage=img1"])).code).toBe(0);
    const chained = await runCli(home, "nodeset", ["ns[1-2]", "wipe,osimage=img1"]);
    expect(chained.stdout).toBe("ns1: wipe, install img1\nns2: wipe, install img1\n");
    expect((await runCli(home, "nodeset", ["ns3", "shell"])).stdout).toBe("ns3: shell\n");
    const destinies = JSON.parse((await runCli(home, "lsdef", ["ns[1-3]", "-i", "destiny", "--json"])).stdout) as unknown;
    expect(JSON.stringify(destinies)).toMatch(/"destiny":"wipe,install".*"destiny":"wipe,install".*"destiny":"shell"/);
    const bad = await runCli(home, "nodeset", ["ns1", "shell,osimage=img1"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("boot and shell stand alone; install comes last");
    expect(JSON.stringify(JSON.parse((await runCli(home, "lsdef", ["ns1", "-i", "destiny", "--json"])).stdout))).toContain('"destiny":"wipe,install"');
  });

  it("refuses what it cannot take, changing nothing", async () => {
    const dup = await runCli(home, "mkdef", ["node01"]);
    expect(dup.code).toBe(4);
    expect(dup.stderr).toContain("[ALREADY_EXISTS]");
    const bad = await runCli(home, "chdef", ["node0[1-4]", "ip=999.1.1.1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not an IP address");
    expect((await runCli(home, "lsdef", ["node01", "-i", "ip"])).stdout).not.toContain("999");
    const gone = await runCli(home, "rmdef", ["node01,nobody"]);
    expect(gone.code).toBe(4);
    expect((await runCli(home, "lsdef", ["node01"])).code).toBe(0);
    expect((await runCli(home, "rmdef", ["node01"])).code).toBe(0);
    const layout = await runCli(home, "sysclone", ["layout", "check", path.join(home, "missing.xml")]);
    expect(layout.code).toBe(3);
  });
});
