import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { locatePrescripts, renderPrescriptList } from "../../src/inventory/prescripts.js";
import type { NodeInventoryView } from "../../src/inventory/view.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
const image = "hwimg";
const port = 20300;
const rsyncPort = 20301;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

async function script(dir: string, name: string, body: string, mode = 0o755): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), body);
  await chmod(path.join(dir, name), mode);
}

async function nodestat(node: string): Promise<{ state: string; lastError: string }> {
  const rows = JSON.parse(await cli("nodestat", node, "--json")) as { state: string; lastError: string }[];
  return rows[0] ?? { state: "", lastError: "" };
}

async function inventoryOf(node: string): Promise<NodeInventoryView> {
  return (JSON.parse(await cli("sysclone", "inventory", node, "--json")) as NodeInventoryView[])[0] as NodeInventoryView;
}

async function entries(dir: string): Promise<string[]> {
  return existsSync(dir) ? readdir(dir) : [];
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  golden = await createGoldenClient({ populate: (root) => populateSystemTree(root) });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  await cli("mkdef", "-t", "group", "rack1", "hwreq=nics>=1,cpus>=1");
  const prescripts = path.join(home, "prescripts");
  // What a %pre script sees: the inventory as HW_* variables and as JSON.
  await script(prescripts, "show-hardware", '#!/bin/sh\nset -eu\necho "node $NODE target $TARGET"\nenv | grep "^HW_" | sort\necho "json: $(cat "$SC_INVENTORY")"\n');
  await script(prescripts, "no-controller", "#!/bin/sh\necho 'checking the RAID controller'\necho 'no RAID controller found' >&2\nexit 1\n");
  await script(prescripts, "marker", `#!/bin/sh\ntouch "${path.join(home, "marker-ran")}"\n`);
  server = await startServe(home, net.serverAddress, port, rsyncPort);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("hardware inventory, hwreq and pre-install scripts on a virtual node", () => {
  it("runs the pre-install scripts with the inventory before the plan, keeps the inventory per node and install, and shows it", async () => {
    const node = await net.addNode("hw01");
    await cli("mkdef", "-t", "node", "hw01", "groups=rack1", `osimage=${image}`, `mac=${node.mac}`, "prescripts=show-hardware");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "hw01", server.url) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("pre-install script show-hardware");
    expect(result.stderr).toContain("node hw01 target directory");
    expect(result.stderr).toContain(`HW_NIC_0_MAC='${node.mac}'`.replace(/'/g, ""));
    expect(result.stderr).toMatch(/HW_CPUS=[1-9]/);
    expect(result.stderr).toMatch(/json: \{"firmware":"(bios|uefi)","cpu":\{"count":[1-9]/);
    expect(await nodestat("hw01")).toMatchObject({ state: "installed", lastError: "" });

    const view = await inventoryOf("hw01");
    expect(view).toMatchObject({ node: "hw01", source: "install", changes: [] });
    expect(view.inventory?.nics.map((n) => n.mac)).toEqual([node.mac]);
    expect(view.inventory?.cpu?.count).toBeGreaterThan(0);
    expect(view.inventory?.memoryBytes).toBeGreaterThan(0);
    const shown = await cli("sysclone", "inventory", "hw01");
    expect(shown).toMatch(/^hw01: inventory of \S+ \(install #\d+\)/);
    expect(shown).toContain(`nic       eth0 ${node.mac}`);
    const events = withHomeStore(home, (store) => store.events({ node: "hw01" }).map((e) => e.kind));
    expect(events).toContain("prescripts");

    // A shell boot reports what the machine has now: less memory is flagged against the last install.
    await cli("nodeset", "hw01", "shell");
    const less = { ...view.inventory, memoryBytes: Math.floor((view.inventory?.memoryBytes ?? 0) / 2) };
    const posted = await fetch(`${server.url}/boot/inventory`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(less) });
    expect(posted.status, await posted.clone().text()).toBe(200);
    expect(await posted.json()).toEqual({ ok: true, node: "hw01", source: "shell" });
    const changed = await inventoryOf("hw01");
    expect(changed.source).toBe("shell");
    expect(changed.changes.map((c) => c.kind)).toEqual(["memory-less"]);
    const flagged = await runCli(home, "sysclone", ["inventory", "hw01", "--changed"]);
    expect(flagged.code).toBe(1);
    expect(flagged.stdout).toContain("HARDWARE CHANGED since its last install");
    expect(flagged.stdout).toContain("less memory:");
    // Not in the shell: refused, nothing recorded.
    await cli("nodeset", "hw01", "boot");
    const refused = await fetch(`${server.url}/boot/inventory`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(less) });
    expect(refused.status).toBe(409);
  });

  it("refuses a machine that does not meet hwreq with every unmet rule, before any pre-install script runs or anything is written", async () => {
    const node = await net.addNode("hw02");
    await cli("mkdef", "-t", "node", "hw02", "groups=rack1", `osimage=${image}`, `mac=${node.mac}`, "hwreq=mem>=64T,cpus>=100000", "prescripts=marker");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "hw02", server.url) });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain("the server refused: HTTP 422");
    const stat = await nodestat("hw02");
    expect(stat.state).toBe("failed");
    expect(stat.lastError).toMatch(/^hwreq: hw02 does not meet its hardware requirements: mem>=64T \(found [\d.]+ GiB \(\d+ bytes\); from node hw02\); cpus>=100000 \(found \d+; from node hw02\)$/);
    expect(existsSync(path.join(home, "marker-ran"))).toBe(false);
    expect(await entries(node.target)).toEqual([]);
    // The inventory it booted with is kept all the same: the admin sees what the machine lacks.
    expect((await inventoryOf("hw02")).inventory?.memoryBytes).toBeGreaterThan(0);
  });

  it("fails the node with the pre-install script's name and output when it exits non-zero; nothing of the plan runs", async () => {
    const node = await net.addNode("hw03");
    await cli("mkdef", "-t", "node", "hw03", `osimage=${image}`, `mac=${node.mac}`, "prescripts=no-controller,marker");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "hw03", server.url) });
    expect(result.code, result.stderr).toBe(6);
    const stat = await nodestat("hw03");
    expect(stat.state).toBe("failed");
    expect(stat.lastError).toBe("prescript no-controller: pre-install script no-controller exited 1: checking the RAID controller\nno RAID controller found\n".trimEnd());
    expect(existsSync(path.join(home, "marker-ran"))).toBe(false);
    expect(await entries(node.target)).toEqual([]);
    expect(withHomeStore(home, (store) => store.installs.latest("hw03")?.plan)).toBe("");
  });

  it("refuses a bad hwreq at chdef time saying which rule is wrong, and a missing pre-install script at install time", async () => {
    const bad = await runCli(home, "chdef", ["-t", "group", "rack1", "hwreq=mem>=64G,cpu>=4"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error [BAD_HWREQ]: hwreq "mem>=64G,cpu>=4": rule 2 ("cpu>=4"): unknown key "cpu"');
    expect(await cli("lsdef", "-t", "group", "rack1", "-i", "hwreq")).toContain("hwreq=nics>=1,cpus>=1");

    const node = await net.addNode("hw04");
    await cli("mkdef", "-t", "node", "hw04", `osimage=${image}`, `mac=${node.mac}`, "prescripts=not-there");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "hw04", server.url) });
    expect(result.code).toBe(3);
    expect((await nodestat("hw04")).lastError).toContain("prescripts: pre-install script(s) not-there not found in");
  });
});

describe("a discovered machine reports its hardware before it is assigned", () => {
  it("boots the shell when told to, reports as discovered, and its inventory follows it to the node it becomes", async () => {
    const mac = "52:54:00:aa:bb:cc";
    const discovered = "discovered-525400aabbcc";
    expect(await (await fetch(`${server.url}/boot?mac=${mac}`)).text()).toContain("not known to the server");
    await mkdir(path.join(home, "images", image, "netboot"), { recursive: true });
    await writeFile(path.join(home, "images", image, "netboot", "initrd.img"), "a stand-in initrd: only its presence is checked\n");
    await cli("chdef", discovered, `osimage=${image}`);
    await cli("nodeset", discovered, "shell");
    const answer = await (await fetch(`${server.url}/boot?mac=${mac}`)).text();
    expect(answer).toContain("sysclone.action=shell");
    const reported = { firmware: "uefi", cpu: { count: 32, model: "EPYC 7313" }, memoryBytes: 128 * 1024 ** 3, disks: [{ name: "nvme0n1", sizeBytes: 960e9, serial: "N1", transport: "nvme", rotational: false }], nics: [{ name: "eno1", mac, link: true, speedMbps: 25000 }], dmi: { vendor: "Supermicro", serial: "SM1" } };
    const posted = await fetch(`${server.url}/boot/inventory`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(reported) });
    expect(await posted.json()).toEqual({ ok: true, node: discovered, source: "discovery" });
    expect(await cli("sysclone", "inventory", discovered)).toContain("disk      nvme0n1 894.1 GiB nvme ssd serial N1");
    // A machine nobody defined, reporting by itself, is refused.
    const stranger = await fetch(`${server.url}/boot/inventory`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...reported, nics: [{ name: "eno1", mac: "52:54:00:dd:ee:ff" }], dmi: {} }) });
    expect(stranger.status).toBe(404);

    await cli("mkdef", "-t", "node", "hw09", `mac=${mac}`, `osimage=${image}`);
    await fetch(`${server.url}/boot?mac=${mac}`);
    const view = await inventoryOf("hw09");
    expect(view).toMatchObject({ node: "hw09", source: "discovery" });
    expect(view.inventory?.cpu).toEqual({ count: 32, model: "EPYC 7313" });
  });
});

describe("locatePrescripts", () => {
  it("takes the home's own script before the one shipped with sysclone, in the order given; refuses missing and non-executable ones", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "sysclone-prescripts-"));
    try {
      const own = path.join(dir, "home");
      const shipped = path.join(dir, "shipped");
      await script(own, "raid", "#!/bin/sh\necho home\n");
      await script(shipped, "raid", "#!/bin/sh\necho shipped\n");
      await script(shipped, "check-bios", "#!/bin/sh\nexit 0\n");
      await script(own, "not-executable", "#!/bin/sh\n", 0o644);
      const found = await locatePrescripts([own, shipped], ["raid", "check-bios"]);
      expect(found.map((s) => [s.name, s.file])).toEqual([["raid", path.join(own, "raid")], ["check-bios", path.join(shipped, "check-bios")]]);
      expect(renderPrescriptList(found)).toMatch(/^raid [0-9a-f]{64}\ncheck-bios [0-9a-f]{64}\n$/);
      const refusal = (names: string[]) => locatePrescripts([own, shipped], names).then(() => "accepted", (error: unknown) => (isSyscloneError(error) ? `${error.code}: ${error.message}` : String(error)));
      expect(await refusal(["raid", "nope", "gone"])).toBe(`UNKNOWN_OBJECT: pre-install script(s) nope, gone not found in ${own} or ${shipped}`);
      expect(await refusal(["not-executable"])).toContain("is not an executable file");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
