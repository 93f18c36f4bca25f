import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { run } from "../../src/exec/runner.js";
import { loadOrCreateServerKey } from "../../src/install/server-key.js";
import { rsyncSecret, tokenSha256 } from "../../src/install/tokens.js";
import { defaults } from "../../src/objects/schema.js";
import { imageModule, overrideModule } from "../../src/plan/modules.js";
import { cliOk } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";
import { waitUntil } from "../helpers/wait.js";

/**
 * The server as an attacker on the provisioning LAN tries it, against the real rsync daemon serve supervises (R6), and
 * as a clumsy admin: a second serve on the same home, a nodeset from the CLI while serve runs.
 */
let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
let a: VirtualNode;
let b: VirtualNode;
let serverKey: Buffer;
const port = 18280;
const rsyncPort = 18290;
const tokens = { a: "A".repeat(43), b: "B".repeat(43) };

/** An image version as capture leaves it, written by hand: the daemon only needs its tree. */
async function fakeImage(name: string): Promise<void> {
  const root = path.join(home, "images", name, "v1", "root");
  await mkdir(path.join(root, "etc"), { recursive: true });
  await writeFile(path.join(root, "etc", "hostname"), `${name}\n`);
}

/** A planned install bound to `address`, as receiveInventory leaves it, written from this test's own connection. */
function plannedInstall(node: string, osimage: string, token: string, address: string): void {
  withHomeStore(home, (store) => {
    if (!store.getObject("node", node)) store.createObject("node", node, { ...defaults("node"), osimage, destiny: "install" });
    const id = store.installs.issue(node, tokenSha256(token), address);
    const plan = { node, osimage, version: 1, overrides: [{ scope: "node", name: node }], postscripts: [] };
    store.installs.planned(id, { osimage, version: 1, inventory: "{}", plan: JSON.stringify(plan), script: "" });
  });
}

/** `rsync --list-only` of a module from inside a node's namespace, as `user` with `token`'s secret. */
function listModule(from: VirtualNode, user: string, token: string, module: string): Promise<{ exitCode: number | undefined; output: string }> {
  return run("ip", ["netns", "exec", from.namespace, "rsync", "--list-only", "--contimeout=5", `rsync://${user}@${net.serverAddress}:${rsyncPort}/${module}/`], {
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", RSYNC_PASSWORD: rsyncSecret(serverKey, tokenSha256(token)) },
  }).then((r) => ({ exitCode: r.exitCode, output: `${r.stdoutTail}${r.stderrTail}` }));
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-trust-"));
  net = await createProvisioningNetwork();
  a = await net.addNode("ta");
  b = await net.addNode("tb");
  await fakeImage("imga");
  await fakeImage("imgb");
  for (const node of ["ta", "tb"]) await mkdir(path.join(home, "overrides", node), { recursive: true });
  plannedInstall("ta", "imga", tokens.a, a.address);
  plannedInstall("tb", "imgb", tokens.b, b.address);
  server = await startServe(home, net.serverAddress, port, rsyncPort);
  serverKey = await loadOrCreateServerKey(path.join(home, "var", "server.key"));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("R6: the rsync daemon lets a node read what its plan names, with its own secret, from its own address, and nothing else", () => {
  it("serves the node its image version from the address its token is bound to", async () => {
    const own = await listModule(a, "ta", tokens.a, imageModule("imga", 1));
    expect(own.exitCode, own.output).toBe(0);
    expect(own.output).toContain("etc");
  });

  // rsync answers a host that is not allowed into a module as if the module did not exist.
  it("refuses the node's own secret from another address", async () => {
    const elsewhere = await listModule(b, "ta", tokens.a, imageModule("imga", 1));
    expect(elsewhere.exitCode).not.toBe(0);
    expect(elsewhere.output).toMatch(/@ERROR: (access denied|Unknown module)/);
  });

  it("refuses another node's module, even from that node's address", async () => {
    // tb's own secret, from ta's address (allowed into ta's modules), on a module only ta may read: auth users says no.
    const foreign = await listModule(a, "tb", tokens.b, overrideModule("node", "ta"));
    expect(foreign.exitCode).not.toBe(0);
    expect(foreign.output).toMatch(/@ERROR: auth failed/);
    // tb from its own address on ta's image: its address is not allowed there.
    expect((await listModule(b, "tb", tokens.b, imageModule("imga", 1))).output).toMatch(/@ERROR: (access denied|Unknown module)/);
    // A guessed secret for ta from ta's address.
    expect((await listModule(a, "ta", "G".repeat(43), imageModule("imga", 1))).output).toMatch(/@ERROR: auth failed/);
  });

  it("refuses a revoked secret at once: nodeset from the CLI while serve runs reaches the daemon", async () => {
    await cliOk(home, "nodeset", "ta", "boot");
    await waitUntil("the revoked secret to be refused", async () => (await listModule(a, "ta", tokens.a, imageModule("imga", 1))).exitCode !== 0, { intervalMs: 250 });
    expect((await listModule(a, "ta", tokens.a, imageModule("imga", 1))).output).toMatch(/@ERROR: (Unknown module|auth failed|access denied)/);
    const config = await readFile(path.join(home, "var", "serve", "rsyncd", "rsyncd.conf"), "utf8");
    expect(config).not.toContain("[img-imga-v1]");
    // tb is untouched.
    expect((await listModule(b, "tb", tokens.b, imageModule("imgb", 1))).exitCode).toBe(0);
  });
});

describe("one serve per home", () => {
  it("refuses a second serve on the same home with one clear line, and leaves the first serving", async () => {
    const second = await run(process.execPath, [path.join(process.cwd(), "bin", "sysclone.js"), "serve", "--listen", `${net.serverAddress}:${port + 1}`, "--rsync-port", String(rsyncPort + 1)], {
      env: { ...(process.env as Record<string, string>), SYSCLONE_HOME: home },
    });
    expect(second.exitCode).toBe(50);
    expect(second.stderrTail.trim()).toMatch(/^error \[ALREADY_SERVING\]: another sysclone serve \(pid \d+\) is running on this home — stop it first/);
    expect(second.stderrTail).not.toMatch(/\n\s+at /);
    expect(second.stdoutTail).not.toContain("serving");
    // The first server's daemon still answers.
    expect((await listModule(b, "tb", tokens.b, imageModule("imgb", 1))).exitCode).toBe(0);
  });

  it("takes over the lock of a serve that died", async () => {
    await server.kill();
    server = await startServe(home, net.serverAddress, port, rsyncPort);
    expect(server.output()).toContain("serving ");
    expect((await listModule(b, "tb", tokens.b, imageModule("imgb", 1))).exitCode).toBe(0);
  });
});
