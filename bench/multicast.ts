import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../server/main.js";
import { resolveHome } from "../src/config/paths.js";
import { populateDemoTree } from "../src/demo/demo-tree.js";
import { createGoldenClient } from "../src/demo/golden-client.js";
import { createProvisioningNetwork, type VirtualNode } from "../src/demo/virtual-nodes.js";
import { must } from "../src/exec/must.js";
import { ImageRepository } from "../src/image/repository.js";
import { Store } from "../src/store/store.js";
import { cli, seconds } from "./helpers.js";

/**
 * Multicast against unicast for the same image in the same run, with the server's side of the
 * bridge shaped to 1 Gbit/s (TBF) as on a real network: 8 receivers ÷ 1, and 8 unicast clones ÷
 * 8 multicast clones. Multicast clones include their mandatory verify and rsync repair passes.
 */
export async function benchMulticast(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "sysclone-bench-"));
  const golden = await createGoldenClient({ populate: populateDemoTree, rootSizeMiB: 1024 });
  const net = await createProvisioningNetwork();
  const controller = new AbortController();
  let store: Store | undefined;
  try {
    await golden.authorize(cli(home, "sysclone", ["keys"]).trim());
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root]);
    cli(home, "chdef", ["-t", "osimage", "benchimg", "verify=no", "mcastmaxwait=30"]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    const info = JSON.parse(cli(home, "lsimage", ["benchimg", "--json"])) as unknown;
    store = Store.open(paths.database);
    const server = await startServer({
      home: paths, store, repository: new ImageRepository(paths.images), host: net.serverAddress, port: 18780, url: `http://${net.serverAddress}:18780`,
      rsyncPort: 18790, maxConnections: 16, signal: controller.signal, log: () => undefined, multicastPortbase: 19500,
    });
    await must("tc", ["qdisc", "add", "dev", net.bridge, "root", "tbf", "rate", "1gbit", "burst", "256kb", "latency", "50ms"]);
    const nodes: VirtualNode[] = [];
    for (let i = 1; i <= 8; i++) {
      const node = await net.addNode(`mcb${i}`);
      cli(home, "mkdef", [node.name, "osimage=benchimg", `mac=${node.mac}`, "finalaction=none"]);
      nodes.push(node);
    }
    const sentBytes = async (): Promise<number> => Number(/Sent (\d+) bytes/.exec((await must("tc", ["-s", "qdisc", "show", "dev", net.bridge])).stdoutTail)?.[1] ?? "0");
    const uplink: Record<string, number> = {};
    const cloneAll = async (group: readonly VirtualNode[], transport: string): Promise<number> => {
      cli(home, "chdef", ["-t", "osimage", "benchimg", `transport=${transport}`]);
      for (const node of group) for (const entry of await readdir(node.target)) await rm(path.join(node.target, entry), { recursive: true, force: true });
      await must("sync", []);
      const tokens = group.map((n) => /sysclone\.token=(\S+)/.exec(cli(home, "sysclone", ["bootargs", n.name, "--url", server.url]))?.[1] ?? "");
      const before = await sentBytes();
      const start = process.hrtime.bigint();
      const runs = await Promise.all(group.map((node, i) => node.clone({ server: server.url, token: tokens[i] ?? "", timeoutMs: 900_000 })));
      const took = seconds(start);
      uplink[`${transport}-${group.length}`] = (await sentBytes()) - before;
      for (const [i, r] of runs.entries()) if (r.code !== 0) throw new Error(`${group[i]?.name}: ${r.stderr}\n${r.log}`);
      if (transport === "multicast" && runs.some((r) => !r.log.includes("multicast: joined session"))) throw new Error("a node did not receive by multicast");
      return took;
    };
    const one = await cloneAll(nodes.slice(0, 1), "multicast");
    const eight = await cloneAll(nodes, "multicast");
    const unicast = await cloneAll(nodes, "rsync");
    const size = (info as { versions?: { sizeBytes: number }[] }[])[0]?.versions?.at(-1)?.sizeBytes ?? 0;
    console.log(`multicast benchmark: ${(size / 1e6).toFixed(0)} MB image, server link shaped to 1 Gbit/s, virtual nodes on one bridge, 2 cores for everything`);
    console.log(`  multicast, 1 receiver:  ${one.toFixed(2)} s`);
    console.log(`  multicast, 8 receivers: ${eight.toFixed(2)} s`);
    console.log(`  unicast rsync, 8 nodes at once (verify=no): ${unicast.toFixed(2)} s`);
    const mb = (key: string): string => `${((uplink[key] ?? 0) / 1e6).toFixed(0)} MB`;
    console.log(`  bytes the server sent: multicast 1 node ${mb("multicast-1")}, multicast 8 nodes ${mb("multicast-8")}, unicast 8 nodes ${mb("rsync-8")}`);
    console.log(`  8 receivers ÷ 1 receiver: ${(eight / one).toFixed(2)} (goal ≤ 1.3)`);
    console.log(`  8 unicast ÷ 8 multicast: ${(unicast / eight).toFixed(2)} (goal ≥ 4)`);
    await server.close();
  } finally {
    controller.abort();
    store?.close();
    await net.destroy();
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
