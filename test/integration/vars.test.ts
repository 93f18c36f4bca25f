import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chdef } from "../../src/cli/chdef.js";
import type { Command } from "../../src/cli/command.js";
import { lsdef } from "../../src/cli/lsdef.js";
import { mkdef } from "../../src/cli/mkdef.js";
import { apiFixture, bearer } from "../helpers/api.js";
import { runInProcess } from "../helpers/in-process.js";

describe("vars.KEY=VALUE on nodes, groups and osimages, in the real store", () => {
  let home: string;
  let other: string;
  beforeEach(async () => {
    home = await mkdtemp(path.join(tmpdir(), "sysclone-vars-"));
    other = await mkdtemp(path.join(tmpdir(), "sysclone-vars-b-"));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  });
  const ok = async (command: Command, ...argv: string[]): Promise<string> => {
    const result = await runInProcess(home, command, argv);
    expect(result.code, `${command.name} ${argv.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };

  it("are set by mkdef and chdef, cleared by vars.KEY=, shown by lsdef and round-trip through stanzas", async () => {
    await ok(mkdef, "-t", "group", "rack1", "vars.rack=r1", "vars.ntp=10.0.0.1");
    await ok(mkdef, "n01", "groups=rack1", "vars.rack=r1-override", "vars.role=db");
    await ok(mkdef, "-t", "osimage", "rocky9", "vars.site=lab", "description=built by KIWI");
    await ok(chdef, "n01", "vars.role=", "vars.slot=7");
    await ok(chdef, "-t", "group", "rack1", "vars.ntp=10.0.0.2", "priority=10");

    const [node] = JSON.parse(await ok(lsdef, "n01", "--json")) as Record<string, string>[];
    expect(node).toMatchObject({ "vars.rack": "r1-override", "vars.slot": "7", groups: "rack1" });
    expect(node).not.toHaveProperty("vars.role");
    const [group] = JSON.parse(await ok(lsdef, "-t", "group", "rack1", "--json")) as Record<string, string>[];
    expect(group).toMatchObject({ "vars.rack": "r1", "vars.ntp": "10.0.0.2", priority: "10" });
    expect(await ok(lsdef, "-t", "osimage", "rocky9")).toContain("    vars.site=lab\n");

    const stanzas = (await ok(lsdef, "-t", "node", "-z")) + (await ok(lsdef, "-t", "group", "-z")) + (await ok(lsdef, "-t", "osimage", "-z"));
    expect(stanzas).toContain("    vars.slot=7\n");
    const restored = await runInProcess(other, mkdef, ["-z"], stanzas);
    expect(restored.code, restored.stderr).toBe(0);
    const withoutHome = (text: string): string => text.replace(/^ {4}imagedir=.*\n/gm, "");
    for (const type of ["node", "group", "osimage"]) {
      expect(withoutHome((await runInProcess(other, lsdef, ["-t", type, "-z"])).stdout)).toBe(withoutHome(await ok(lsdef, "-t", type, "-z")));
    }
  });

  it.each([
    ["vars.1rack=x", "is not a vars key"],
    ["vars.=x", "is not a vars key"],
    ["vars.a.b=x", "is not a vars key"],
    ["vars.a b=x", "is not a vars key"],
    [`vars.${"k".repeat(65)}=x`, "is not a vars key"],
    [`vars.big=${"v".repeat(4097)}`, "longer than 4096"],
  ])("refuses %s with BAD_ATTRIBUTE and changes nothing", async (assignment, message) => {
    await ok(mkdef, "n01", "vars.keep=1");
    const result = await runInProcess(home, chdef, ["n01", "vars.other=2", assignment]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("BAD_ATTRIBUTE");
    expect(result.stderr).toContain(message);
    const [node] = JSON.parse(await ok(lsdef, "n01", "--json")) as Record<string, string>[];
    expect(node?.["vars.keep"]).toBe("1");
    expect(node).not.toHaveProperty("vars.other");
  });

  it("-p and -m refuse vars (they are single values)", async () => {
    await ok(mkdef, "n01");
    const result = await runInProcess(home, chdef, ["-p", "n01", "vars.rack=r1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("-p/-m work on list attributes");
  });
});

describe("vars through the API's object routes", () => {
  it("POST /definitions and PATCH /nodes/:name set and clear vars; GET /definitions shows them; a bad key is a 400 that changes nothing", async () => {
    const f = await apiFixture();
    try {
      const admin = bearer(f.tokens.admin);
      const set = await f.app.inject({ method: "POST", url: "/api/v1/definitions", headers: admin, payload: { definitions: [{ type: "node", names: ["n01"], attributes: { "vars.rack": "r1", "vars.slot": "4" } }], mode: "set" } });
      expect(set.statusCode, set.body).toBe(200);
      const patched = await f.app.inject({ method: "PATCH", url: "/api/v1/nodes/n01", headers: admin, payload: { attributes: { "vars.slot": "", "vars.role": "db" } } });
      expect(patched.statusCode, patched.body).toBe(200);
      const listed = await f.app.inject({ method: "GET", url: "/api/v1/definitions?type=node", headers: admin });
      const n01 = listed.json<{ objects: { name: string; attributes: Record<string, string> }[] }>().objects.find((o) => o.name === "n01");
      expect(n01?.attributes).toMatchObject({ "vars.rack": "r1", "vars.role": "db" });
      expect(n01?.attributes).not.toHaveProperty("vars.slot");
      for (const payload of [{ attributes: { "vars.a.b": "x" } }, { attributes: { "vars.": "x" } }]) {
        const refused = await f.app.inject({ method: "PATCH", url: "/api/v1/nodes/n01", headers: admin, payload });
        expect(refused.statusCode, refused.body).toBe(400);
      }
      expect(f.store.requireObject("node", "n01")).toMatchObject({ "vars.rack": "r1", "vars.role": "db" });
    } finally {
      await f.close();
    }
  });
});
