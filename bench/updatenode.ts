import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../server/main.js";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { populateDemoTree } from "../src/demo/demo-tree.js";
import { createGoldenClient } from "../src/demo/golden-client.js";
import { populateSystemTree } from "../src/demo/system-tree.js";
import { populateSshKit, regenerateHostKey, startNodeSshd, type NodeSshd } from "../src/demo/live-node.js";
import { createProvisioningNetwork } from "../src/demo/virtual-nodes.js";
import { must } from "../src/exec/must.js";
import { ImageRepository } from "../src/image/repository.js";
import { readManifest } from "../src/image/manifest.js";
import { Store } from "../src/store/store.js";
import { cli, seconds } from "./helpers.js";


/**
 * The simulated nodes' CPU, all together. "split" is the cap the goal is judged with: this machine
 * has 2 cores, the nodes (sshd and all it forks) get one (cpuset CPU 1), updatenode and its ssh
 * clients the other (taskset CPU 0), so neither borrows the other's core. "half" is the earlier cap
 * (a cfs quota of half a core for all the nodes, no pinning), printed for comparison.
 */
type Cap = "none" | "half" | "split";
const HALF_QUOTA_US = 50_000;
const CGROUPS = "/sys/fs/cgroup";
const SERVER_CPU = "0";
const NODES_CPU = "1";

/** cgroup v1 groups holding every process of the nodes' namespaces (sshd, and so all it forks). */
interface NodeGroups {
  readonly cpu: string;
  readonly cpuacct: string;
  readonly cpuset: string;
}

async function groupNamespaces(namespaces: readonly string[]): Promise<NodeGroups | undefined> {
  if (!["cpu", "cpuacct", "cpuset"].every((c) => existsSync(path.join(CGROUPS, c, "cgroup.procs")))) return undefined;
  const name = `sysclone-bench-${process.pid}`;
  const groups = { cpu: path.join(CGROUPS, "cpu", name), cpuacct: path.join(CGROUPS, "cpuacct", name), cpuset: path.join(CGROUPS, "cpuset", name) };
  for (const group of Object.values(groups)) await mkdir(group, { recursive: true });
  await writeFile(path.join(groups.cpuset, "cpuset.mems"), (await readFile(path.join(CGROUPS, "cpuset", "cpuset.mems"), "utf8")).trim());
  await writeFile(path.join(groups.cpuset, "cpuset.cpus"), (await readFile(path.join(CGROUPS, "cpuset", "cpuset.cpus"), "utf8")).trim());
  for (const namespace of namespaces) {
    const pids = (await must("ip", ["netns", "pids", namespace])).stdoutTail.split(/\s+/).filter((pid) => /^\d+$/.test(pid));
    for (const pid of pids) for (const group of Object.values(groups)) await writeFile(path.join(group, "cgroup.procs"), pid).catch(() => undefined);
  }
  return groups;
}

async function setCap(groups: NodeGroups, cap: Cap): Promise<void> {
  const all = (await readFile(path.join(CGROUPS, "cpuset", "cpuset.cpus"), "utf8")).trim();
  await writeFile(path.join(groups.cpu, "cpu.cfs_period_us"), "100000");
  await writeFile(path.join(groups.cpu, "cpu.cfs_quota_us"), cap === "half" ? String(HALF_QUOTA_US) : "-1");
  await writeFile(path.join(groups.cpuset, "cpuset.cpus"), cap === "split" ? NODES_CPU : all);
}

/** CPU seconds the nodes have used so far (cpuacct). */
async function nodesCpu(groups: NodeGroups | undefined): Promise<number> {
  return groups ? Number((await readFile(path.join(groups.cpuacct, "cpuacct.usage"), "utf8")).trim()) / 1e9 : 0;
}

interface Timed {
  readonly wall: number;
  /** user + sys of the command and its children (our side). */
  readonly cpu: number;
  /** the nodes' CPU during the run. */
  readonly nodes: number;
}

/** Wall seconds of one command, its own CPU seconds (user + sys) and the nodes' CPU seconds over the run. */
async function timedCommand(groups: NodeGroups | undefined, cap: Cap, home: string, command: string[]): Promise<Timed> {
  const pin = cap === "split" ? ["taskset", "-c", SERVER_CPU] : [];
  const nodesBefore = await nodesCpu(groups);
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "CPU %U %S", ...pin, process.execPath, ...command], { env: { ...process.env, SYSCLONE_HOME: home }, encoding: "utf8" });
  const wall = seconds(start);
  if (r.status !== 0) throw new Error(`${command.join(" ")}: ${r.stderr}\n${r.stdout.split("\n").filter((line) => /fail/i.test(line)).slice(0, 20).join("\n")}`);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: Number(m?.[1] ?? 0) + Number(m?.[2] ?? 0), nodes: (await nodesCpu(groups)) - nodesBefore };
}

async function timed(work: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return seconds(start);
}

/**
 * updatenode at scale: -P to 100 live nodes against -P to 10 (fanout 64), and -S after a 1% image
 * change against a full clone of one node, in the same run. Nodes are network namespaces running
 * the real sshd chrooted in their own tree; the 100 trees are hard-linked copies of one clone,
 * which costs nothing to make and changes nothing about the SSH work measured.
 */
export async function benchUpdatenode(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "sysclone-bench-"));
  const serverKey = cli(home, "sysclone", ["keys"]).trim();
  const golden = await createGoldenClient({
    rootSizeMiB: 1024,
    populate: async (root) => {
      await populateDemoTree(root);
      await populateSystemTree(root);
      await populateSshKit(root, serverKey);
    },
  });
  const net = await createProvisioningNetwork();
  const controller = new AbortController();
  const sshds: NodeSshd[] = [];
  const namespaces: string[] = [];
  const addresses: string[] = [];
  let groups: NodeGroups | undefined;
  let store: Store | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await golden.authorize(serverKey);
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root]);
    cli(home, "chdef", ["-t", "osimage", "benchimg", "verify=no"]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    store = Store.open(paths.database);
    const started = await startServer({
      home: paths, store, repository: new ImageRepository(paths.images), host: net.serverAddress, port: 18580, url: `http://${net.serverAddress}:18580`,
      rsyncPort: 18590, maxConnections: 16, signal: controller.signal, log: () => undefined,
    });
    server = started;

    // A full clone of one node, then the same node brought up to a 1%-changed image with -S.
    const first = await net.addNode("full01");
    cli(home, "mkdef", ["full01", "osimage=benchimg", `ip=${first.address}`, `mac=${first.mac}`]);
    const token = /sysclone\.token=(\S+)/.exec(cli(home, "sysclone", ["bootargs", "full01", "--url", started.url]))?.[1] ?? "";
    await must("sync", []);
    const cloneSeconds = await timed(async () => {
      const result = await first.clone({ server: started.url, token });
      if (result.code !== 0) throw new Error(`clone failed: ${result.stderr}\n${result.log}`);
    });
    await regenerateHostKey(first.target);
    sshds.push(await startNodeSshd(first.namespace, first.address, first.target));
    cli(home, "updatenode", ["full01", "-k"]);

    const manifest = await readManifest(path.join(paths.images, "benchimg", "v1", "manifest.jsonl"));
    // Documentation files only: the change must leave the node runnable.
    const files = manifest.filter((e) => e.type === "f" && e.size > 0 && e.path.startsWith("/usr/share/"));
    const total = manifest.reduce((sum, e) => sum + (e.type === "f" ? e.size : 0), 0);
    let changedBytes = 0;
    let changedFiles = 0;
    for (let i = 0; i < files.length && changedBytes < total / 100; i += 7) {
      const entry = files[i];
      if (!entry) continue;
      const file = path.join(golden.root, entry.path);
      const content = await readFile(file);
      content[0] = (content[0] ?? 0) ^ 0xff;
      await writeFile(file, content);
      changedBytes += entry.size;
      changedFiles++;
    }
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root]);
    await must("sync", []);
    const updateSeconds = await timed(() => cli(home, "updatenode", ["full01", "-S"]));

    // -P across 10 and 100 nodes.
    await mkdir(path.join(home, "postscripts"), { recursive: true });
    await writeFile(path.join(home, "postscripts", "stamp"), '#!/bin/sh\nset -eu\nenv | sort > /etc/stamp\n');
    await chmod(path.join(home, "postscripts", "stamp"), 0o755);
    for (let i = 1; i <= 100; i++) {
      const name = `live${String(i).padStart(3, "0")}`;
      const target = path.join(net.workDir, name, "tree");
      await mkdir(path.dirname(target), { recursive: true });
      await must("cp", ["-al", first.target, target]);
      await regenerateHostKey(target);
      const node = await net.addNode(name, { target });
      sshds.push(await startNodeSshd(node.namespace, node.address, target));
      namespaces.push(node.namespace);
      addresses.push(node.address);
      cli(home, "mkdef", [name, "osimage=benchimg", `ip=${node.address}`, `mac=${node.mac}`]);
    }
    cli(home, "updatenode", ["live[001-100]", "-k"]); // pins the host keys, so the runs below are alike
    groups = await groupNamespaces(namespaces);
    const updatenodeJs = path.join(checkoutRoot(), "bin", "updatenode.js");
    const bareJs = path.join(checkoutRoot(), "dist", "bench", "ssh-bare.js");
    // 64 handshakes at once to sshds sharing one capped core can take longer than the usual 15 s: both sides wait up to 120 s.
    const ours = (n: number): string[] => [updatenodeJs, `live[001-${String(n).padStart(3, "0")}]`, "-P", "stamp", "--fanout", "64", "--connect-timeout", "120"];
    const bare = (n: number): string[] => [bareJs, paths.privateKey, "64", ...addresses.slice(0, n)];
    const caps: Cap[] = groups ? ["none", "half", "split"] : ["none"];
    const results = new Map<Cap, { ours10: Timed[]; ours100: Timed[]; bare10: Timed[]; bare100: Timed[] }>();
    for (const cap of caps) {
      if (groups) await setCap(groups, cap);
      const runs = { ours10: [] as Timed[], ours100: [] as Timed[], bare10: [] as Timed[], bare100: [] as Timed[] };
      for (let run = 0; run < (cap === "none" ? 1 : 3); run++) {
        runs.ours10.push(await timedCommand(groups, cap, home, ours(10)));
        runs.ours100.push(await timedCommand(groups, cap, home, ours(100)));
        runs.bare10.push(await timedCommand(groups, cap, home, bare(10)));
        runs.bare100.push(await timedCommand(groups, cap, home, bare(100)));
      }
      results.set(cap, runs);
    }
    if (groups) await setCap(groups, "none");
    // BENCH_PROFILE=1: where the time goes (our command's CPU against the machine's load).
    if (process.env["BENCH_PROFILE"] && existsSync("/usr/bin/time")) {
      const r = spawnSync("/usr/bin/time", ["-f", "cli cpu: user %U s, sys %S s, wall %e s", process.execPath, updatenodeJs, "live[001-100]", "-P", "stamp"], { env: { ...process.env, SYSCLONE_HOME: home }, encoding: "utf8" });
      console.log(r.stderr.trim().split("\n").slice(-1)[0]);
      const v = spawnSync("sh", ["-c", "cat /proc/loadavg; grep -E '^cpu ' /proc/stat"], { encoding: "utf8" });
      console.log(v.stdout);
    }
    const fastest = (runs: readonly Timed[]): Timed => runs.reduce((a, b) => (b.wall < a.wall ? b : a));
    const ms = (seconds: number, nodes: number): string => `${((seconds / nodes) * 1000).toFixed(1)} ms`;
    const describeCap: Record<Cap, string> = {
      none: "nodes uncapped (one run each)",
      half: `earlier cap: all nodes together ${HALF_QUOTA_US / 1000} ms of CPU per 100 ms (cfs quota), nothing pinned (best of 3)`,
      split: `the goal's cap: the 2 cores split, nodes on CPU ${NODES_CPU} (cpuset), updatenode and its ssh clients on CPU ${SERVER_CPU} (taskset) (best of 3)`,
    };
    console.log("updatenode benchmark: live nodes are network namespaces with the real sshd chrooted in their own tree");
    console.log("  floor: the same work over one ssh2 connection per node (`env | sort > /etc/stamp`, same key, fanout 64), no probe, wrapper or store");
    for (const [cap, runs] of results) {
      const [o10, o100, b10, b100] = [fastest(runs.ours10), fastest(runs.ours100), fastest(runs.bare10), fastest(runs.bare100)];
      console.log(`  ${describeCap[cap]}:`);
      console.log(`    -P stamp: 10 nodes ${runs.ours10.map((t) => t.wall.toFixed(2)).join(" / ")} s, 100 nodes ${runs.ours100.map((t) => t.wall.toFixed(2)).join(" / ")} s`);
      console.log(`    100 nodes ÷ 10 nodes at fanout 64: ${(o100.wall / o10.wall).toFixed(2)} (${o100.wall.toFixed(2)} ÷ ${o10.wall.toFixed(2)} s)${cap === "split" ? " (goal ≤ 2.5)" : ""}; floor ${(b100.wall / b10.wall).toFixed(2)} (${b100.wall.toFixed(2)} ÷ ${b10.wall.toFixed(2)} s); ours ÷ floor at 100: ${(o100.wall / b100.wall).toFixed(2)}`);
      console.log(`    our CPU (updatenode and its ssh clients) per node: ${ms(o10.cpu, 10)} at 10, ${ms(o100.cpu, 100)} at 100; the floor's client: ${ms(b100.cpu, 100)} at 100`);
      if (groups) console.log(`    node CPU (sshd and everything it forks) per node at 100: ours ${ms(o100.nodes, 100)}, floor ${ms(b100.nodes, 100)} (at 10: ${ms(o10.nodes, 10)}, ${ms(b10.nodes, 10)})`);
    }
    console.log(`  full clone of one node (${(total / 1e6).toFixed(0)} MB, verify=no): ${cloneSeconds.toFixed(2)} s`);
    console.log(`  -S after a 1% image change (${changedFiles} files, ${(changedBytes / 1e6).toFixed(1)} MB): ${updateSeconds.toFixed(2)} s`);
    console.log(`  -S ÷ full clone: ${(updateSeconds / cloneSeconds).toFixed(2)}`);
  } finally {
    // Closed before the store: its housekeeping timer reads the store.
    await server?.close();
    for (const sshd of sshds) await sshd.stop();
    if (groups) for (const group of [groups.cpu, groups.cpuacct, groups.cpuset]) await rmdir(group).catch(() => undefined);
    controller.abort();
    store?.close();
    await net.destroy();
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
