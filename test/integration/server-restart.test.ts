import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { createProvisioningNetwork, type CloneRun, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { loadOrCreateSigningKey, publicKeyPem, signingKeyFile } from "../../src/install/signing.js";
import { bootToken, cliOk } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { changedFiles } from "../helpers/tree-diff.js";
import { waitUntil } from "../helpers/wait.js";

/**
 * R3: the server killed outright (SIGKILL to serve and its rsync daemon, a power cut) and started again while four
 * virtual nodes stand at different steps of their clone: one sending its inventory, one about to pull, one verifying,
 * one reporting finish. All end installed, each clone the same as one the outage never touched.
 *
 * The nodes are held at their step by stand-ins for rsync, awk and wget that wait at a gate the test opens and
 * then run the real tool: the only way to make a real tool be at a given step at a given moment.
 */
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let gates: string;
let server: ServeProcess;
/** The server's public key, as the initrd carries it: the node needs no server to know it. */
let signingKey: string;
const image = "r3img";
const port = 18380;
const rsyncPort = 18390;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

/** A directory of stand-ins for one node: `tool` waits at the gate the first time `match` (a sh test on "$*") holds. */
async function heldAt(node: string, tool: string, real: string, match: string): Promise<{ dir: string; reached: () => boolean; open: () => Promise<void> }> {
  const dir = path.join(gates, node);
  await mkdir(dir, { recursive: true });
  const gate = path.join(dir, "gate");
  const script = [
    "#!/bin/sh",
    `# Stand-in for ${tool}: held once at ${gate} (the test opens it), then the real tool.`,
    `if [ ! -e ${gate}.reached ] && ${match}; then`,
    `  : > ${gate}.reached`,
    // The test removes the gates when it ends, failed or not: a stand-in still held then gives up, so nothing outlives it.
    `  while [ ! -e ${gate}.open ]; do [ -d ${dir} ] || exit 1; sleep 0.2; done`,
    "fi",
    `exec ${real} "$@"`,
    "",
  ].join("\n");
  await writeFile(path.join(dir, tool), script);
  await chmod(path.join(dir, tool), 0o755);
  return { dir, reached: () => existsSync(`${gate}.reached`), open: () => writeFile(`${gate}.open`, "") };
}

async function nodestat(node: string): Promise<Record<string, unknown>> {
  return (JSON.parse(await cli("nodestat", node, "--json")) as Record<string, unknown>[])[0] ?? {};
}

function differences(clone: string): Promise<string[]> {
  return changedFiles(path.join(home, "images", image, "current", "root"), clone);
}

async function addNode(name: string): Promise<VirtualNode> {
  const node = await net.addNode(name);
  await cli("mkdef", "-t", "node", name, `osimage=${image}`, `mac=${node.mac}`);
  return node;
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-r3-"));
  gates = await mkdtemp(path.join(tmpdir(), "sysclone-r3-gates-"));
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateSystemTree(root);
      await mkdir(path.join(root, "srv"), { recursive: true });
      await writeFile(path.join(root, "srv", "payload"), Buffer.alloc(16 * 1024 * 1024, 7));
    },
  });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  server = await startServe(home, net.serverAddress, port, rsyncPort);
  signingKey = publicKeyPem(await loadOrCreateSigningKey(signingKeyFile(path.join(home, "var"))));
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  for (const dir of [home, gates]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("R3: the server killed and restarted while nodes stand at different steps", () => {
  it("every node ends installed, each clone the same as an undisturbed one", async () => {
    // An undisturbed clone: what every other clone must equal.
    const control = await addNode("r3ctl");
    const controlRun = await control.clone({ server: server.url, token: await bootToken(home, "r3ctl", server.url), signingKey });
    expect(controlRun.code, `${controlRun.stderr}\n${controlRun.log}`).toBe(0);
    const expected = await differences(control.target);

    const pull = await addNode("r3pull");
    const verify = await addNode("r3verify");
    const finish = await addNode("r3finish");
    const inventory = await addNode("r3inv");
    const held = {
      pull: await heldAt("r3pull", "rsync", "/usr/bin/rsync", `case "$*" in *img-${image}-*) true ;; *) false ;; esac`),
      // The clone hashes files as they land; what is left is joined against the manifest once the verify step begins.
      verify: await heldAt("r3verify", "awk", "/usr/bin/awk", 'case "$*" in *verify.got*) true ;; *) false ;; esac'),
      finish: await heldAt("r3finish", "wget", "/bin/busybox wget", 'case "$*" in */finish*) true ;; *) false ;; esac'),
    };
    const tokens = {
      pull: await bootToken(home, "r3pull", server.url),
      verify: await bootToken(home, "r3verify", server.url),
      finish: await bootToken(home, "r3finish", server.url),
      inventory: await bootToken(home, "r3inv", server.url),
    };
    const runs: Promise<CloneRun>[] = [
      pull.clone({ server: server.url, token: tokens.pull, pathPrefix: held.pull.dir, signingKey }),
      verify.clone({ server: server.url, token: tokens.verify, pathPrefix: held.verify.dir, signingKey }),
      finish.clone({ server: server.url, token: tokens.finish, pathPrefix: held.finish.dir, signingKey }),
    ];
    await waitUntil("three nodes at pull, verify and finish", () => held.pull.reached() && held.verify.reached() && held.finish.reached(), { timeoutMs: 120_000 });
    expect((await Promise.all(["r3pull", "r3verify", "r3finish"].map(nodestat))).map((s) => s["phase"])).toEqual(["pull", "verify", expect.any(String)]);

    await server.kill();
    // The fourth boots while the server is away: its inventory waits for the server to come back.
    runs.push(inventory.clone({ server: server.url, token: tokens.inventory, signingKey }));
    await new Promise((resolve) => setTimeout(resolve, 4000));
    server = await startServe(home, net.serverAddress, port, rsyncPort);
    for (const gate of Object.values(held)) await gate.open();

    const results = await Promise.all(runs);
    for (const [i, result] of results.entries()) expect(result.code, `node ${i}: ${result.stderr}\n${result.log}`).toBe(0);
    expect(`${results[3]?.stderr ?? ""}${results[3]?.log ?? ""}`).toMatch(/retrying in \d+ s/);
    for (const node of [pull, verify, finish, inventory]) {
      expect(await nodestat(node.name), node.name).toMatchObject({ state: "installed", percent: 100 });
      expect(await differences(node.target), node.name).toEqual(expected);
    }
  });
});
