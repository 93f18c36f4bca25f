import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chdef } from "../../src/cli/chdef.js";
import type { Command } from "../../src/cli/command.js";
import { lsdef } from "../../src/cli/lsdef.js";
import { mkdef } from "../../src/cli/mkdef.js";
import { nodels } from "../../src/cli/nodels.js";
import { nodeset } from "../../src/cli/nodeset.js";
import { rmdef } from "../../src/cli/rmdef.js";
import { projectRoot, runCli } from "../helpers/cli.js";
import { runInProcess } from "../helpers/in-process.js";

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
    const audit = JSON.parse((await runCli(home, "sysclone", ["audit", "gpu02", "--json"])).stdout) as { action: string; before: unknown }[];
    expect(audit.at(-1)).toMatchObject({ action: "cluster import", before: null });
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

const stanzaFixture = (name: string): string => readFileSync(path.join(projectRoot, "test", "fixtures", "stanza", `${name}.stanza`), "utf8");

const run = runInProcess;

describe("upstream examples, run against a real store", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sysclone-examples-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const ok = async (command: Command, ...argv: string[]): Promise<string> => {
    const result = await run(dir, command, argv);
    expect(result.code, `${command.name} ${argv.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const attribute = async (name: string, key: string, type = "node"): Promise<string | undefined> => {
    const [object] = JSON.parse((await run(dir, lsdef, ["-t", type, name, "--json"])).stdout) as Record<string, string>[];
    return object?.[key];
  };

  // xcat2/xcat-core xCAT-test/autotest/testcase/xcatstanzafile/cases0 (fixtures: test/fixtures/stanza/README.md)
  describe("xCAT-test xcatstanzafile cases0", () => {
    it("xcatstanzafile_normal: cat testfile | chdef -z creates testnode; lsdef shows the default groups and both attributes", async () => {
      expect((await run(dir, chdef, ["-z"], stanzaFixture("normal"))).code).toBe(0);
      const shown = await ok(lsdef, "testnode");
      expect(shown).toContain("groups=all,compute");
      expect(shown).toContain("hostname=MS02.ppd.pok.com");
      expect(shown).toContain("serial=IS227.ppd.pok.com");
    });

    it("xcatstanzafile_colon: a header without its colon: chdef -z fails and testnode is not defined", async () => {
      expect((await run(dir, chdef, ["-z"], stanzaFixture("nocolon"))).code).not.toBe(0);
      const shown = await run(dir, lsdef, ["testnode"]);
      expect(shown.code).toBe(4);
      expect(shown.stderr).toContain('no node named "testnode"');
    });

    it.each([
      ["noequals", "hostname=MS02.ppd.pok.com"],
      ["emptyvalue", "hostname="],
      ["noname", "MS02.ppd.pok.com"],
    ])("xcatstanzafile_attribute (%s): lsdef testnode does not show %s", async (file, absent) => {
      await run(dir, chdef, ["-z"], stanzaFixture(file));
      expect((await run(dir, lsdef, ["testnode"])).stdout).not.toContain(absent);
    });

    it("xcatstanzafile_attribute (emptyvalue) still defines testnode with its other attribute", async () => {
      expect((await run(dir, chdef, ["-z"], stanzaFixture("emptyvalue"))).code).toBe(0);
      expect(await attribute("testnode", "serial")).toBe("IS227.ppd.pok.com");
    });

    it("xcatstanzafile_objtype: a stanza without objtype: mkdef -z fails", async () => {
      expect((await run(dir, mkdef, ["-z"], stanzaFixture("noobjtype"))).code).not.toBe(0);
      expect((await run(dir, lsdef, ["testnode"])).code).toBe(4);
    });

    it("xcatstanzafile_tab: blanks around '=': mkdef -z succeeds", async () => {
      expect((await run(dir, mkdef, ["-z"], stanzaFixture("tab"))).code).toBe(0);
      expect(await attribute("testnode", "hostname")).toBe("MS02.ppd.pok.com");
    });

    it("xcatstanzafile_multattr and _defaultvalue: mkdef -z; lsdef shows the trimmed values and the default groups", async () => {
      expect((await run(dir, mkdef, ["-z"], stanzaFixture("multattr"))).code).toBe(0);
      const shown = await ok(lsdef, "testnode");
      expect(shown).toMatch(/\s*hostname=MS02\.ppd\.pok\.com/);
      expect(shown).toMatch(/\s*serial=IS227\.ppd\.pok\.com/);
      expect(shown).toContain("groups=all,compute");
    });

    it("xcatstanzafile_specificvalue: groups given in the stanza win over default-node's", async () => {
      const text = stanzaFixture("multattr").replace("    objtype=node\n", "    objtype=node\n    groups=all,rhels5.5\n");
      expect((await run(dir, mkdef, ["-z"], text)).code).toBe(0);
      expect(await ok(lsdef, "testnode")).toContain("groups=all,rhels5.5");
    });
  });

  // docs/source/guides/admin-guides/references/man5/xcatstanzafile.5.rst, the sample (test/fixtures/stanza/sample.stanza)
  it("xcatstanzafile(5) sample: cat defstanzafile | mkdef -z defines node01, node02 in all,compute and grp01 holding both (mkdef(1) example 4)", async () => {
    expect((await run(dir, mkdef, ["-z"], stanzaFixture("sample"))).code).toBe(0);
    expect(await ok(nodels, "grp01")).toBe("node01\nnode02\n");
    expect(await attribute("node01", "groups")).toBe("all,compute,grp01");
    expect(await attribute("node02", "mac")).toBe("a2:e2:60:02:b0:04");
    expect(await attribute("grp01", "members", "group")).toBe("node01,node02");
  });

  // docs/source/guides/admin-guides/references/man1/mkdef.1.rst (nodetype=, power= and nic* are not sysclone attributes: left out)
  describe("mkdef(1) examples", () => {
    it("2, 3: mkdef -t node -o node01 groups=all,aix; mkdef -f re-creates it from scratch, and its new group is listed", async () => {
      await ok(mkdef, "-t", "node", "-o", "node01", "groups=all,aix", "ip=10.0.0.1");
      expect(await attribute("node01", "groups")).toBe("all,aix");
      expect((await run(dir, mkdef, ["-t", "node", "-o", "node01", "groups=linux"])).code).toBe(4);
      await ok(mkdef, "-f", "-t", "node", "-o", "node01", "groups=linux");
      expect(await attribute("node01", "groups")).toBe("linux");
      expect(await attribute("node01", "ip")).toBe("");
      expect(await ok(lsdef, "-t", "group", "-o", "linux")).toContain("members=node01");
    });

    it("5: mkdef -t group -o LinuxNodes members=clstrn01,clstrn02 makes a group of those nodes", async () => {
      await ok(mkdef, "clstrn01,clstrn02,clstrn03");
      await ok(mkdef, "-t", "group", "-o", "LinuxNodes", "members=clstrn01,clstrn02");
      expect(await ok(nodels, "LinuxNodes")).toBe("clstrn01\nclstrn02\n");
      expect(await attribute("clstrn01", "groups")).toBe("LinuxNodes");
    });

    it("5, refused: a member that is not a node changes nothing", async () => {
      const result = await run(dir, mkdef, ["-t", "group", "-o", "LinuxNodes", "members=ghost"]);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('member "ghost" is not a defined node');
      expect((await run(dir, lsdef, ["-t", "group", "LinuxNodes"])).code).toBe(4);
    });

    it("7: mkdef -t node node1,node2,node3 groups=all,aix defines the three", async () => {
      await ok(mkdef, "-t", "node", "node1,node2,node3", "groups=all,aix");
      expect(await ok(nodels, "aix")).toBe("node1\nnode2\nnode3\n");
    });
  });

  // docs/source/guides/admin-guides/references/man1/chdef.1.rst
  describe("chdef(1) examples", () => {
    it("2-5: chdef creates node01, -p adds a group, -m removes one, a plain value replaces", async () => {
      expect(await ok(chdef, "-t", "node", "-o", "node01", "groups=all,aix")).toContain("1 object definition has been created or changed");
      expect(await attribute("node01", "groups")).toBe("all,aix");
      expect(await ok(lsdef, "-t", "group", "aix")).toContain("Object name: aix");
      await ok(chdef, "-p", "-t", "node", "-o", "node01", "groups=compute");
      expect(await attribute("node01", "groups")).toBe("all,aix,compute");
      await ok(chdef, "-m", "-t", "node", "-o", "node01", "groups=all");
      expect(await attribute("node01", "groups")).toBe("aix,compute");
      await ok(chdef, "-t", "node", "-o", "node01", "groups=linux");
      expect(await attribute("node01", "groups")).toBe("linux");
    });

    it("6: chdef -p -t group -o LinuxNodes members=node01 adds node01 to the group; -m takes it out again", async () => {
      await ok(mkdef, "node01", "groups=linux");
      await ok(chdef, "-p", "-t", "group", "-o", "LinuxNodes", "members=node01");
      expect(await attribute("node01", "groups")).toBe("linux,LinuxNodes");
      expect(await attribute("LinuxNodes", "members", "group")).toBe("node01");
      await ok(chdef, "-m", "-t", "group", "-o", "LinuxNodes", "members=node01");
      expect(await attribute("node01", "groups")).toBe("linux");
    });

    it("9: chdef -t node -o node1 -n node2 renames node1, keeping its attributes and groups", async () => {
      await ok(mkdef, "node1", "groups=compute", "ip=10.0.0.1");
      await ok(nodeset, "node1", "shell");
      expect(await ok(chdef, "-t", "node", "-o", "node1", "-n", "node2")).toBe("node node1 is now node2\n");
      expect((await run(dir, lsdef, ["node1"])).code).toBe(4);
      expect(await attribute("node2", "ip")).toBe("10.0.0.1");
      expect(await attribute("node2", "destiny")).toBe("shell");
      expect(await ok(nodels, "compute")).toBe("node2\n");
      await ok(mkdef, "node3");
      const taken = await run(dir, chdef, ["-o", "node2", "-n", "node3"]);
      expect(taken.code).toBe(4);
      expect(taken.stderr).toContain('node "node3" already exists');
      expect((await run(dir, chdef, ["-t", "group", "-o", "compute", "-n", "x"])).stderr).toContain("chdef -n renames nodes only");
      expect((await run(dir, chdef, ["-o", "node2,node3", "-n", "x"])).code).toBe(2);
      expect(await attribute("node2", "ip")).toBe("10.0.0.1");
    });

    it("7: cat mystanzafile | chdef -z updates what exists and creates what does not, in one transaction", async () => {
      await ok(mkdef, "n1", "ip=10.0.0.1", "sshport=2222");
      expect((await run(dir, chdef, ["-z"])).stderr).toContain("the stanza input defines no objects");
      const text = "n1:\n  objtype=node\n  ip=10.0.0.9\nn2:\n  objtype=node\n  ip=10.0.0.2\n";
      expect((await run(dir, chdef, ["-z"], text)).code).toBe(0);
      expect(await attribute("n1", "ip")).toBe("10.0.0.9");
      expect(await attribute("n1", "sshport")).toBe("2222");
      expect(await attribute("n2", "ip")).toBe("10.0.0.2");
      const bad = await run(dir, chdef, ["-z"], "n1:\n  objtype=node\n  ip=10.0.0.7\nn3:\n  objtype=node\n  ip=300.0.0.1\n");
      expect(bad.code).toBe(2);
      expect(await attribute("n1", "ip")).toBe("10.0.0.9");
      expect((await run(dir, lsdef, ["n3"])).code).toBe(4);
    });
  });

  // docs/source/guides/admin-guides/references/man1/lsdef.1.rst
  describe("lsdef(1) examples", () => {
    beforeEach(async () => {
      await ok(mkdef, "-t", "osimage", "aix53J", "retain=5");
      await ok(mkdef, "-t", "group", "service", "priority=10");
      await ok(mkdef, "node1,node2", "groups=service", "mac=52:54:00:00:00:01");
      await ok(mkdef, "node3");
    });

    it("2: lsdef -a lists every object of every type", async () => {
      const names = (await ok(lsdef, "-a", "-s")).trim().split("\n");
      expect(names).toEqual(["node1  (node)", "node2  (node)", "node3  (node)", "service  (group)", "aix53J  (osimage)"]);
      expect(await ok(lsdef, "all", "-s")).toBe(`${names.join("\n")}\n`);
      expect((await run(dir, lsdef, ["-a", "node1"])).stderr).toContain("leave out -t and names");
    });

    it("3: lsdef node1, lsdef -t node node1 and lsdef -t node -o node1 are the same listing", async () => {
      const plain = await ok(lsdef, "node1");
      expect(plain).toMatch(/^Object name: node1\n/);
      expect(await ok(lsdef, "-t", "node", "node1")).toBe(plain);
      expect(await ok(lsdef, "-t", "node", "-o", "node1")).toBe(plain);
    });

    it("4: lsdef -s node1 gives the name only", async () => {
      expect(await ok(lsdef, "-s", "node1")).toBe("node1  (node)\n");
    });

    it("8: lsdef -t node -i mac lists that attribute for each node", async () => {
      expect(await ok(lsdef, "-t", "node", "-i", "mac")).toBe(
        "Object name: node1\n    mac=52:54:00:00:00:01\n\nObject name: node2\n    mac=52:54:00:00:00:01\n\nObject name: node3\n",
      );
    });

    it("9, 11: lsdef -t osimage -l -o aix53J; lsdef -l -t group -o service", async () => {
      expect(await ok(lsdef, "-t", "osimage", "-l", "-o", "aix53J")).toContain("    retain=5\n");
      const group = await ok(lsdef, "-l", "-t", "group", "-o", "service");
      expect(group).toContain("    members=node1,node2\n");
      expect(group).toContain("    priority=10\n");
    });

    it("12: lsdef -t node -l service lists the group's nodes", async () => {
      const shown = await ok(lsdef, "-t", "node", "-l", "service");
      expect(shown.match(/^Object name: \S+/gm)).toEqual(["Object name: node1", "Object name: node2"]);
    });
  });

  // docs/source/guides/admin-guides/references/man1/rmdef.1.rst
  describe("rmdef(1) examples", () => {
    beforeEach(async () => {
      await ok(mkdef, "node[1-6]", "groups=all");
      await ok(chdef, "-p", "node5,node6", "groups=bpcnodes");
    });

    it("1: rmdef -t node node1-node4 removes that range", async () => {
      await ok(rmdef, "-t", "node", "node1-node4");
      expect(await ok(nodels)).toBe("node5\nnode6\n");
    });

    it("2: rmdef -t node -o bpcnodes removes the group's nodes", async () => {
      await ok(rmdef, "-t", "node", "-o", "bpcnodes");
      expect(await ok(nodels)).toBe("node1\nnode2\nnode3\nnode4\n");
    });

    it("3: rmdef -t group -o bpcnodes removes the group and takes it out of its nodes' groups", async () => {
      await ok(rmdef, "-t", "group", "-o", "bpcnodes");
      expect(await attribute("node5", "groups")).toBe("all");
      expect((await run(dir, lsdef, ["-t", "group", "bpcnodes"])).code).toBe(4);
      expect(await ok(nodels)).toBe("node1\nnode2\nnode3\nnode4\nnode5\nnode6\n");
    });

    it("-a needs -f, and then removes every definition", async () => {
      const refused = await run(dir, rmdef, ["-a"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("add -f to confirm");
      expect(await ok(rmdef, "-a", "-f")).toBe("6 object definitions have been removed\n");
      expect(await ok(lsdef, "-a")).toBe("no objects defined\n");
    });
  });
});

describe("backup and restore with the built CLI: lsdef -z all, rmdef -a -f, mkdef -z", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sysclone-backup-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const cli = async (command: string, args: string[], input?: string): Promise<string> => {
    const result = await runCli(dir, command, args, input === undefined ? {} : { input });
    expect(result.code, `${command} ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  it("restores every node, group and osimage exactly, read-only attributes included", async () => {
    await cli("mkdef", ["-t", "osimage", "rocky9", "retain=5", "description=golden \"image\"", "transport=archive"]);
    await cli("mkdef", ["-t", "group", "-o", "compute", "priority=10", "osimage=rocky9"]);
    await cli("mkdef", ["-t", "group", "spare"]);
    await cli("mkdef", ["node[01-03]", "groups=compute,rack1", "sshport=2222"]);
    await cli("chdef", ["node01", "hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "mac=52:54:00:00:00:01", "ip=10.0.0.1", "sshport="]);
    await cli("nodeset", ["node01", "osimage=rocky9"]);
    // What capture and the clone record, given the way a restore gives it: read-only attributes from a stanza.
    await cli("chdef", ["-z"], "node02:\n  objtype=node\n  state=booted\n  imageversion=2\nrocky9:\n  objtype=osimage\n  currentversion=2\n  sourcenode=node01\n");

    const backup = await cli("lsdef", ["-z", "all"]);
    expect(backup).toMatch(/^# <xCAT data object stanza file>\n\nnode01:\n {4}objtype=node\n/);
    for (const line of ["    destiny=install\n", "    state=booted\n", "    sshport=\n", "    members=node01,node02,node03\n", "    description=golden \"image\"\n", "    currentversion=2\n", "    imagedir="]) {
      expect(backup).toContain(line);
    }
    expect(backup).toContain("rack1:\n    objtype=group\n    members=node01,node02,node03\n    priority=50\n");
    const json = await cli("lsdef", ["-a", "--json"]);
    const clusterXml = await readFile(path.join(dir, "images", "cluster.xml"), "utf8");

    expect(await cli("rmdef", ["-a", "-f"])).toBe("6 object definitions have been removed\n");
    expect(await cli("lsdef", ["-z", "all"])).toBe("# <xCAT data object stanza file>\n");

    expect(await cli("mkdef", ["-z"], backup)).toBe("7 object definitions have been created\n");
    expect(await cli("lsdef", ["-z", "all"])).toBe(backup);
    expect(await cli("lsdef", ["-a", "--json"])).toBe(json);
    expect(await readFile(path.join(dir, "images", "cluster.xml"), "utf8")).toBe(clusterXml);

    // Restoring over what exists is refused as a whole; mkdef -f -z replaces, chdef -z updates.
    const again = await runCli(dir, "mkdef", ["-z"], { input: backup });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain("[ALREADY_EXISTS]");
    await cli("mkdef", ["-f", "-z"], backup);
    await cli("chdef", ["-z"], backup);
    expect(await cli("lsdef", ["-a", "-z"])).toBe(backup);
  });

  it("says what is wrong on one line: an unknown flag and the usage; input with a line break escaped", async () => {
    const flag = await runCli(dir, "lsdef", ["--bogus"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(`error [USAGE]: lsdef: unknown flag "--bogus" — usage: ${lsdef.usage}\n`);
    const name = await runCli(dir, "mkdef", ["-t", "group", "bad\nname"]);
    expect(name.code).toBe(2);
    expect(name.stderr).toBe("error [BAD_NAME]: \"bad\\nname\" is not a valid group name — use letters, digits, '.', '_' and '-', starting with a letter or digit\n");
    const stanza = await runCli(dir, "mkdef", ["-z"], { input: "n9:\n  objtype=node\n  ip=10.0.0.1\r\n  nonsense\u001b[2J\n" });
    expect(stanza.code).toBe(2);
    expect(stanza.stderr).toContain('stanza line 4: "nonsense\\u001b[2J" cannot be read');
    expect(stanza.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
