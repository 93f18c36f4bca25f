/**
 * nodels as a user runs it, against a real store: xCAT-test's nodels cases
 * (xcat2/xcat-core @7733d16f, xCAT-test/autotest/testcase/nodels/cases0) where sysclone has the
 * attributes they use, and the ^/tmp/nodelist example of noderange(3) read from a real file.
 * xCAT prints errors as "Error: …"; sysclone's form is "error [CODE]: …" with xCAT's wording after it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/exec/runner.js";
import { cliOk, projectRoot, runCli } from "../helpers/cli.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-nodels-"));
  await cliOk(home, "mkdef", "testnode", "groups=all,aix");
  await cliOk(home, "mkdef", "testnode1", "groups=rhels5.5,all");
  await cliOk(home, "mkdef", "testnode2", "groups=rhels5.4,all");
  await cliOk(home, "mkdef", "rhnode", "groups=rh4.123456789");
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("nodels against the real store", () => {
  it("nodels_null, nodels_S: lists every node, sorted; -S is accepted", async () => {
    expect(await cliOk(home, "nodels")).toBe("rhnode\ntestnode\ntestnode1\ntestnode2\n");
    expect(await cliOk(home, "nodels", "-S")).toBe("rhnode\ntestnode\ntestnode1\ntestnode2\n");
  });

  it("nodels_noderange_shortname_groups / _tags and nodels_b: nodels NODE groups prints node: value", async () => {
    expect(await cliOk(home, "nodels", "testnode1", "groups")).toBe("testnode1: rhels5.5,all\n");
    expect(await cliOk(home, "nodels", "testnode1", "tags")).toBe("testnode1: rhels5.5,all\n");
    expect(await cliOk(home, "nodels", "testnode1", "-b", "groups")).toBe("testnode1: rhels5.5,all\n");
    expect(await cliOk(home, "nodels", "testnode1", "--blame", "groups")).toBe("testnode1: rhels5.5,all\n");
  });

  it("nodels_H and nodels_noderange_table: labels with -H and for a whole table", async () => {
    expect(await cliOk(home, "nodels", "-H", "aix", "groups")).toBe("testnode: groups: all,aix\n");
    expect(await cliOk(home, "nodels", "testnode", "nodelist")).toBe("testnode: nodelist.groups: all,aix\ntestnode: nodelist.status: defined\n");
  });

  it("selection: ==, !=, =~, !~ as the noderange and after it", async () => {
    expect(await cliOk(home, "nodels", "groups==rh4.123456789")).toBe("rhnode\n");
    expect(await cliOk(home, "nodels", "groups=~rh4.123456789")).toBe("rhnode\n");
    expect(await cliOk(home, "nodels", "testnode1-testnode2", "nodelist.groups!~rhels5.5")).toBe("testnode2\n");
    expect(await cliOk(home, "nodels", "testnode1-testnode2", "groups!=rhels5.5,all")).toBe("testnode2\n");
    expect(await cliOk(home, "nodels", "all", "groups=~rhels", "groups")).toBe("testnode1: groups: rhels5.5,all\ntestnode2: groups: rhels5.4,all\n");
  });

  it("--json: names, or each node's asked-for values", async () => {
    expect(JSON.parse(await cliOk(home, "nodels", "all", "--json"))).toEqual(["testnode", "testnode1", "testnode2"]);
    expect(JSON.parse(await cliOk(home, "nodels", "testnode1", "groups", "--json"))).toEqual([{ node: "testnode1", values: { groups: "rhels5.5,all" } }]);
  });

  it("nodels_err_noderange: an unknown name is an error naming it, exit 4, nothing listed", async () => {
    const result = await runCli(home, "nodels", ["testnode,douniwan,-nosuch"]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("[UNKNOWN_OBJECT]: Invalid nodes and/or groups in noderange: douniwan,nosuch");
  });

  it("nodels_err_symbol: an unknown column is an error, exit 2; so is an xCAT column sysclone has no counterpart for", async () => {
    const unknown = await runCli(home, "nodels", ["-H", "all", "unknown"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("[BAD_ATTRIBUTE]");
    const cons = await runCli(home, "nodels", ["testnode", "nodehm.cons"]);
    expect(cons.code).toBe(2);
    expect(cons.stderr).toContain("nodehm.cons has no counterpart");
  });

  it("noderange(3)'s ^/tmp/nodelist, read from a file: comments and the ^ line skipped, -node50 excluded", async () => {
    const other = await mkdtemp(path.join(tmpdir(), "sysclone-nodels-file-"));
    try {
      await cliOk(other, "mkdef", "node[01-60]");
      await cliOk(other, "mkdef", "g4", "groups=group4");
      await cliOk(other, "chdef", "-p", "node50", "groups=group5");
      await cliOk(other, "chdef", "-p", "node51", "groups=group5");
      const expected = ["g4", "node01", "node02", "node03", ...Array.from({ length: 11 }, (_, i) => `node${10 + i}`), "node51"];
      expect(await cliOk(other, "nodels", `^${path.join(projectRoot, "test/fixtures/noderange/nodelist")}`)).toBe(`${expected.join("\n")}\n`);
      const list = path.join(other, "list");
      await writeFile(list, "node01\nnode0[2:3]\n");
      expect(await cliOk(other, "nodels", `^${list},-node02`)).toBe("node01\nnode03\n");
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe("output into a pipe that closes early", () => {
  it("nodels | head -1 ends quietly with status 0, as a Unix tool does", async () => {
    await cliOk(home, "mkdef", "-t", "node", "pipe[001-400]");
    const script = `"$0" "$1" 'pipe[001-400]' | head -1; echo "status=\${PIPESTATUS[0]}"`;
    const result = await run("bash", ["-c", script, process.execPath, path.join(projectRoot, "bin", "nodels.js")], { env: { ...(process.env as Record<string, string>), SYSCLONE_HOME: home } });
    expect(result.stdoutTail).toBe("pipe001\nstatus=0\n");
    expect(result.stderrTail).toBe("");
  });
});
