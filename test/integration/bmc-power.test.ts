import { mkdir, readFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chdef } from "../../src/cli/chdef.js";
import { lsdef } from "../../src/cli/lsdef.js";
import { mkdef } from "../../src/cli/mkdef.js";
import { rinstall } from "../../src/cli/rinstall.js";
import { rpower } from "../../src/cli/rpower.js";
import { rsetboot } from "../../src/cli/rsetboot.js";
import { startSimulatedBmc, type SimulatedBmc } from "../../src/demo/bmc.js";
import { expireStaleInstalls } from "../../src/install/service.js";
import { consoleLogPath, consoleTail } from "../../src/power/console-log.js";
import { apiFixture, bearer } from "../helpers/api.js";
import { runInProcess } from "../helpers/in-process.js";
import { withHomeStore } from "../helpers/store.js";

// Ports 20100-20199 are this file's and test/e2e/ipmi-vm.test.ts's.
const goodPort = 20101;
const otherPort = 20102;
const downPort = 20103;
const password = "n1-S3cret!";
let home: string;
let work: string;
const bmcs: SimulatedBmc[] = [];

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-bmc-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-bmc-sim-"));
  bmcs.push(await startSimulatedBmc({ dir: path.join(work, "b1"), port: goodPort, username: "admin", password, lifetimeSeconds: 300 }));
  bmcs.push(await startSimulatedBmc({ dir: path.join(work, "b2"), port: otherPort, username: "admin", password: "the-right-one", lifetimeSeconds: 300 }));
  // n1: the password from stdin; n2: the xCAT way, and the wrong one; n3: nothing answers there; n4: no BMC at all.
  expect((await runInProcess(home, mkdef, ["-t", "node", "n1", "mgt=ipmi", "bmc=127.0.0.1", `bmcport=${goodPort}`, "bmcusername=admin", "bmcpassword=-"], `${password}\n`)).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n2", "groups=rack", "bmc=127.0.0.1", `bmcport=${otherPort}`, "bmcusername=admin"])).code).toBe(0);
  expect((await runInProcess(home, chdef, ["-t", "group", "rack", "mgt=ipmi", "bmcpassword=wrong-one"])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n3", "mgt=ipmi", "bmc=127.0.0.1", `bmcport=${downPort}`, "bmcusername=admin", "bmcpassword=whatever"])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n4"])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const bmc of bmcs) await bmc.stop();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("rpower, rsetboot and rinstall against ipmi_sim BMCs", () => {
  it("rpower stat: the good BMC answers, a wrong password, a BMC that is down and a node without one each fail alone with a clear line", async () => {
    const started = Date.now();
    const result = await runInProcess(home, rpower, ["n[1-4]", "stat"]);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(1);
    expect(result.stdout.split("\n").filter((l) => l !== "").sort()).toEqual([
      "4 nodes: 1 ok, 3 failed (n2, n3, n4)",
      "n1: off",
      `n2: failed: BMC 127.0.0.1:${otherPort} refused the user name or password`,
      `n3: failed: BMC 127.0.0.1:${downPort} does not answer`,
      "n4: failed: node n4 is not managed through a BMC (mgt is not set)",
    ]);
    // An unreachable BMC fails in a few seconds, not ipmitool's default 15 and more.
    expect(seconds).toBeLessThan(10);
    const failures = withHomeStore(home, (store) => store.events({ kind: "power-failed" }));
    expect(failures.map((e) => e.node).sort()).toEqual(["n2", "n3", "n4"]);
    expect(failures.find((e) => e.node === "n3")?.data).toEqual({ code: "BMC_UNREACHABLE" });
  });

  it("--json: every node's answer and the summary", async () => {
    const result = await runInProcess(home, rpower, ["n1,n3", "stat", "--json"]);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { nodes: { node: string; ok: boolean; result?: string; error?: { code: string } }[]; summary: unknown };
    expect(parsed.nodes).toEqual([
      { node: "n1", ok: true, result: "off" },
      { node: "n3", ok: false, error: expect.objectContaining({ code: "BMC_UNREACHABLE" }) as unknown },
    ]);
    expect(parsed.summary).toEqual({ total: 2, ok: 1, failed: ["n3"] });
  });

  it("rpower on/off/boot change the chassis, are events and audited; rsetboot sets and reads the boot device", async () => {
    expect((await runInProcess(home, rpower, ["n1", "on"])).stdout).toBe("n1: on\n1 node: 1 ok\n");
    expect((await runInProcess(home, rpower, ["n1", "stat"])).stdout).toContain("n1: on\n");
    expect((await runInProcess(home, rpower, ["n1", "boot"])).stdout).toContain("n1: on reset\n");
    expect((await runInProcess(home, rpower, ["n1", "off"])).stdout).toContain("n1: off\n");
    expect((await runInProcess(home, rpower, ["n1", "boot"])).stdout).toContain("n1: off on\n");
    expect((await runInProcess(home, rsetboot, ["n1", "net"])).stdout).toBe("n1: net\n1 node: 1 ok\n");
    expect((await runInProcess(home, rsetboot, ["n1", "stat"])).stdout).toContain("n1: net\n");
    expect((await runInProcess(home, rsetboot, ["n1", "hd", "-p"])).stdout).toContain("n1: hd (persistent)\n");
    expect((await runInProcess(home, rsetboot, ["n1", "stat"])).stdout).toContain("n1: hd\n");
    const chassis = await bmcs[0]?.chassisLog();
    expect(chassis).toMatch(/power on \(no machine\)[\s\S]*reset[\s\S]*power off \(no machine\)[\s\S]*boot device pxe[\s\S]*boot device default/);
    withHomeStore(home, (store) => {
      expect(store.events({ node: "n1", kind: "power" }).map((e) => e.message).reverse()).toEqual(["rpower on: on", "rpower boot: on reset", "rpower off: off", "rpower boot: off on"]);
      expect(store.events({ node: "n1", kind: "bootdev" }).map((e) => e.message).reverse()).toEqual(["next boot device: net", "next boot device: hd (persistent)"]);
      const audit = store.audit.list({ type: "node", names: ["n1"] }).map((a) => ({ action: a.action, before: a.before, after: a.after }));
      expect(audit).toEqual(expect.arrayContaining([{ action: "rpower on", before: { power: "off" }, after: { power: "on" } }, { action: "rsetboot", before: null, after: { bootdev: "hd (persistent)" } }]));
    });
  });

  it("--wave 1 --interval 1: one node at a time, a second apart", async () => {
    const started = Date.now();
    const result = await runInProcess(home, rpower, ["n1,n2", "stat", "--wave", "1", "--interval", "1"]);
    expect(result.stdout).toContain("n1: on\n");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await runInProcess(home, rpower, ["n1", "stat", "--interval", "5"])).stderr).toContain("--interval goes with --wave N");
  });

  it("rinstall: nodes without a usable BMC fail alone and are not nodeset; the others are", async () => {
    expect((await runInProcess(home, mkdef, ["-t", "osimage", "img1"])).code).toBe(0);
    const result = await runInProcess(home, rinstall, ["n1,n4", "osimage=img1"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("n1: install img1: net boot, on reset\n");
    expect(result.stdout).toContain("n4: failed: node n4 is not managed through a BMC");
    withHomeStore(home, (store) => {
      expect(store.getObject("node", "n1")?.["destiny"]).toBe("install");
      expect(store.getObject("node", "n4")?.["destiny"]).not.toBe("install");
      expect(store.events({ node: "n1", kind: "rinstall" })[0]?.message).toBe("rinstall: install img1: net boot, on reset");
    });
  });

  it("the password is a secret: sealed in the database under var/secrets.key (0600), ******** in lsdef, stanzas and the audit", async () => {
    const shown = await runInProcess(home, lsdef, ["n1"]);
    expect(shown.stdout).toContain("bmcpassword=********");
    const stanza = await runInProcess(home, lsdef, ["-z", "n1,rack", "-t", "node"]);
    expect(stanza.stdout).not.toContain(password);
    const key = await stat(path.join(home, "var", "secrets.key"));
    expect(key.mode & 0o777).toBe(0o600);
    for (const file of ["sysclone.db", "sysclone.db-wal"]) {
      const bytes = await readFile(path.join(home, "var", file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(password)), file).toBe(false);
      expect(bytes.includes(Buffer.from("wrong-one")), file).toBe(false);
    }
    withHomeStore(home, (store) => {
      const records = JSON.stringify(store.audit.list({}));
      expect(records).not.toContain(password);
      expect(records).toContain('"bmcpassword":"********"');
      // A stanza written back keeps the stored password (the mask means "unchanged").
      store.updateObject("node", "n1", { bmcpassword: "********" });
      expect(store.revealSecret("node", "n1", "bmcpassword")).toBe(password);
    });
    expect((await runInProcess(home, rpower, ["n1", "stat"])).code).toBe(0);
    // A changed password is audited, though both records show only the mask.
    const before = withHomeStore(home, (store) => store.audit.list({ type: "node", names: ["n1"] }).length);
    expect((await runInProcess(home, chdef, ["n1", "bmcpassword=-"], "another\n")).code).toBe(0);
    expect(withHomeStore(home, (store) => store.audit.list({ type: "node", names: ["n1"] }).length)).toBe(before + 1);
    expect((await runInProcess(home, rpower, ["n1", "stat"])).stdout).toContain("refused the user name or password");
  });

  it("an install that fails carries the last lines of the node's recorded console in its event", async () => {
    const file = consoleLogPath(path.join(home, "var"), "n1");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, "\u001b[0mSeaBIOS\r\niPXE 1.21\r\n[    3.1] Run /init as init process\r\nsysclone: clone initrd starting\r\nudhcpc: no lease, failing\r\n");
    withHomeStore(home, (store) => {
      store.installs.issue("n1", "hash-n1-console");
      const expired = expireStaleInstalls({ store, consoleTail: (node) => consoleTail(path.join(home, "var"), node, 3) }, { issuedSeconds: 0, plannedSeconds: 0 }, Date.now() + 1000);
      expect(expired.map((install) => install.node)).toEqual(["n1"]);
      const fail = store.events({ node: "n1", kind: "fail" })[0];
      expect(fail?.message).toMatch(/^boot: no inventory/);
      expect(fail?.data).toEqual({ console: ["[    3.1] Run /init as init process", "sysclone: clone initrd starting", "udhcpc: no lease, failing"] });
    });
  });
});

describe("the API never shows a BMC password", () => {
  it("node views and lsdef's view show ********; a password set through the API is sealed and audited masked", async () => {
    const f = await apiFixture();
    try {
      const patched = await f.app.inject({ method: "PATCH", url: "/api/v1/nodes/n01", headers: bearer(f.tokens.admin), payload: { attributes: { mgt: "ipmi", bmc: "10.9.0.1", bmcpassword: "api-Secret-1" } } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.body).not.toContain("api-Secret-1");
      for (const url of ["/api/v1/nodes/n01", "/api/v1/nodes", "/api/v1/definitions?type=node", "/api/v1/audit"]) {
        const response = await f.app.inject({ method: "GET", url, headers: bearer(f.tokens.admin) });
        expect(response.statusCode, url).toBe(200);
        expect(response.body, url).not.toContain("api-Secret-1");
        expect(response.body, url).not.toContain("sealed:v1:");
      }
      expect((await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01", headers: bearer(f.tokens.admin) })).body).toContain('"bmcpassword":"********"');
      expect(f.store.revealSecret("node", "n01", "bmcpassword")).toBe("api-Secret-1");
    } finally {
      await f.close();
    }
  });
});
