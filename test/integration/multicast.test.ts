import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { createProvisioningNetwork, type CloneRun, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { bootToken, cliOk } from "../helpers/cli.js";
import { populateFidelityTree } from "../helpers/fidelity-tree.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { changedFiles } from "../helpers/tree-diff.js";

const image = "mcimg";
let home: string;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let server: ServeProcess;
let count = 0;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

async function newNodes(n: number): Promise<VirtualNode[]> {
  const nodes: VirtualNode[] = [];
  for (let i = 0; i < n; i++) {
    count++;
    const node = await net.addNode(`mc${String(count).padStart(2, "0")}`);
    await cli("mkdef", "-t", "node", node.name, `osimage=${image}`, `mac=${node.mac}`, "finalaction=none");
    nodes.push(node);
  }
  return nodes;
}

const tokenFor = (node: string): Promise<string> => bootToken(home, node, server.url);

/** Tokens first (the server counts the nodes it expects), then every clone at once. */
async function cloneAll(nodes: readonly VirtualNode[], options: { pathPrefix?: (node: VirtualNode) => string | undefined } = {}): Promise<CloneRun[]> {
  const tokens = await Promise.all(nodes.map((n) => tokenFor(n.name)));
  return Promise.all(nodes.map((node, i) => {
    const prefix = options.pathPrefix?.(node);
    return node.clone({ server: server.url, token: tokens[i] ?? "", ...(prefix ? { pathPrefix: prefix } : {}) });
  }));
}

async function expectIdentical(nodes: readonly VirtualNode[], runs: readonly CloneRun[]): Promise<void> {
  for (const [i, node] of nodes.entries()) {
    const result = runs[i];
    expect(result?.code, `${node.name}: ${result?.stderr}\n${result?.log}`).toBe(0);
    expect(await changedFiles(path.join(home, "images", image, "current", "root"), node.target), node.name).toEqual(["usr/local/sbin/sysclone-firstboot", "var/lib/sysclone/firstboot"]);
    expect(result?.log).toMatch(/verify: \d+ files match the manifest/);
  }
}

const sessionOf = (log: string | undefined): string | undefined => /multicast: joined session (\S+)/.exec(log ?? "")?.[1];

async function events(kind: string): Promise<{ message: string; data: Record<string, unknown> }[]> {
  const { Store } = await import("../../src/store/store.js");
  const store = Store.open(path.join(home, "var", "sysclone.db"));
  try {
    return store.events({ limit: 1000 }).filter((e) => e.kind === kind).reverse();
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateFidelityTree(root, { largeFileMiB: 40 });
      await populateSystemTree(root);
    },
  });
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  // verify=no on the image: multicast verifies anyway.
  await cli("chdef", "-t", "osimage", image, "transport=multicast", "verify=no", "mcastmaxwait=20", "mcastrate=300m");
  net = await createProvisioningNetwork();
  server = await startServe(home, net.serverAddress, 18680, 19173, ["--mcast-portbase", "19300"]);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("multicast clones through udp-sender sessions, verified and repaired on every node", () => {
  it("one receiver: a session of its own, recorded from start to end", async () => {
    const nodes = await newNodes(1);
    const runs = await cloneAll(nodes);
    await expectIdentical(nodes, runs);
    expect(runs[0]?.log).toContain("multicast: joined session");
    expect(runs[0]?.log).not.toContain("fetching them again");
    const stat = (JSON.parse(await cli("nodestat", nodes[0]?.name ?? "", "--json")) as Record<string, unknown>[])[0];
    expect(stat).toMatchObject({ state: "installed", multicast: { session: sessionOf(runs[0]?.log) } });
    expect((stat?.["multicast"] as { rateBytesPerSecond: number }).rateBytesPerSecond).toBeGreaterThan(0);
    expect(String((stat?.["multicast"] as { retransmits: string }).retransmits)).toMatch(/^\d+ \([\d.]+%\) in mcimg-v1-\d+$/);
    const ended = await events("multicast-end");
    expect(ended.at(-1)?.message).toMatch(/multicast session mcimg-v1-\d+ ended \(complete\): \d+ bytes to 1 receiver\(s\)/);
  });

  it("three receivers share one session, one of them dropping 5% of its packets", async () => {
    const nodes = await newNodes(3);
    const lossy = nodes[2];
    if (!lossy) throw new Error("no node");
    // netem is not in this kernel: nftables drops 5% of the UDP packets reaching that node at random.
    const nft = (...args: string[]) => must("ip", ["netns", "exec", lossy.namespace, "nft", ...args]);
    await nft("add", "table", "inet", "loss");
    await nft("add", "chain", "inet", "loss", "input", "{ type filter hook input priority 0 ; }");
    await nft("add", "rule", "inet", "loss", "input", "meta", "l4proto", "udp", "numgen", "random", "mod", "100", "<", "5", "counter", "drop");
    const runs = await cloneAll(nodes);
    await expectIdentical(nodes, runs);
    const sessions = new Set(runs.map((r) => sessionOf(r.log)));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).toBeDefined();
    const dropped = (await nft("list", "table", "inet", "loss")).stdoutTail;
    expect(Number(/counter packets (\d+)/.exec(dropped)?.[1] ?? "0")).toBeGreaterThan(0);
    expect((await events("multicast-end")).at(-1)?.message).toMatch(/\(complete\): \d+ bytes to 3 receiver\(s\)/);
  });

  it("eight receivers share one session and each equals the image", async () => {
    const nodes = await newNodes(8);
    const runs = await cloneAll(nodes);
    await expectIdentical(nodes, runs);
    expect(new Set(runs.map((r) => sessionOf(r.log))).size).toBe(1);
  });

  it("a late joiner never joins a stream mid-way: it waits for the next session", async () => {
    await cli("chdef", "-t", "osimage", image, "mcastminreceivers=2", "mcastrate=60m");
    try {
      const [a, b, late] = await newNodes(3);
      if (!a || !b || !late) throw new Error("no nodes");
      const early = cloneAll([a, b]);
      for (let i = 0; i < 200 && !(await events("multicast-streaming")).some((e) => String(e.message).includes(a.name)); i++) await new Promise((r) => setTimeout(r, 100));
      await cli("chdef", "-t", "osimage", image, "mcastminreceivers=1");
      const lateRun = (await cloneAll([late]))[0];
      const earlyRuns = await early;
      await expectIdentical([a, b, late], [...earlyRuns, lateRun as CloneRun]);
      expect(lateRun?.log).toContain("is already streaming; waiting for the next session");
      expect(sessionOf(lateRun?.log)).toBeDefined();
      expect(sessionOf(lateRun?.log)).not.toBe(sessionOf(earlyRuns[0]?.log));
    } finally {
      await cli("chdef", "-t", "osimage", image, "mcastminreceivers=", "mcastrate=300m");
    }
  });

  it("a receiver killed mid-stream: its node repairs with rsync, the other receiver is unaffected, and a restarted clone completes", async () => {
    await cli("chdef", "-t", "osimage", image, "mcastrate=60m");
    try {
      const [survivor, victim] = await newNodes(2);
      if (!survivor || !victim) throw new Error("no nodes");
      const cloning = cloneAll([survivor, victim]);
      let killed = false;
      for (let i = 0; i < 300 && !killed; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const pids = (await run("ip", ["netns", "pids", victim.namespace])).stdoutTail.split("\n").filter((p) => p !== "");
        for (const pid of pids) {
          const comm = (await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim();
          const streamed = (await events("multicast-streaming")).some((e) => String(e.message).includes(victim.name));
          if (comm === "udp-receiver" && streamed) {
            await new Promise((r) => setTimeout(r, 1000));
            process.kill(Number(pid), "SIGKILL");
            killed = true;
          }
        }
      }
      expect(killed).toBe(true);
      const runs = await cloning;
      await expectIdentical([survivor, victim], runs);
      expect(runs[1]?.log).toMatch(/multicast session \S+ ended early \(udp-receiver exit \d+\)/);
      expect(runs[0]?.log).toMatch(/multicast session \S+: \d+ bytes in \d+ s/);
      // The machine reboots and clones again from scratch: the next session serves it.
      await rm(victim.target, { recursive: true, force: true });
      await mkdir(victim.target, { recursive: true });
      const again = await cloneAll([victim]);
      await expectIdentical([victim], again);
    } finally {
      await cli("chdef", "-t", "osimage", image, "mcastrate=300m");
    }
  });

  it("a byte corrupted after the stream, size and time kept, is caught by the verify pass and fetched again", async () => {
    const [node] = await newNodes(1);
    if (!node) throw new Error("no node");
    const tools = path.join(home, "corrupting-tar");
    await mkdir(tools, { recursive: true });
    // tar as the node runs it, then one byte of a file changed behind rsync's quick check.
    await writeFile(
      path.join(tools, "tar"),
      [
        "#!/bin/sh",
        '/usr/bin/tar "$@" || exit $?',
        'case " $* " in *" -x "*) ;; *) exit 0 ;; esac',
        'f="$SC_TARGET_DIR/srv/fidelity/large"',
        '[ -f "$f" ] || exit 0',
        'touch -r "$f" "$SC_TARGET_DIR/.mtime-ref"',
        "printf 'X' | dd of=\"$f\" bs=1 seek=4096 conv=notrunc 2>/dev/null",
        'touch -r "$SC_TARGET_DIR/.mtime-ref" "$f"',
        'rm -f "$SC_TARGET_DIR/.mtime-ref"',
      ].join("\n") + "\n",
    );
    await chmod(path.join(tools, "tar"), 0o755);
    const runs = await cloneAll([node], { pathPrefix: () => tools });
    await expectIdentical([node], runs);
    expect(runs[0]?.log).toContain("verify: 1 of");
    expect(runs[0]?.log).toContain("differ from the manifest; fetching them again");
  });
});
