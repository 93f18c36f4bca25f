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

const best = (times: readonly number[]): number => Math.min(...times);

/** The simulated nodes' CPU cap, all together: half a core, so their sshd and shells do not borrow the server's cores. */
const NODES_QUOTA_US = 50_000;
const CPU_CGROUPS = "/sys/fs/cgroup/cpu";

/** A cgroup v1 cpu group with a hard quota; every process of the given namespaces (sshd, and so what it forks) moved in. */
async function capNamespaces(namespaces: readonly string[]): Promise<string | undefined> {
  if (!existsSync(path.join(CPU_CGROUPS, "cgroup.procs"))) return undefined;
  const group = path.join(CPU_CGROUPS, `sysclone-bench-${process.pid}`);
  await mkdir(group, { recursive: true });
  await writeFile(path.join(group, "cpu.cfs_period_us"), "100000");
  await writeFile(path.join(group, "cpu.cfs_quota_us"), String(NODES_QUOTA_US));
  for (const namespace of namespaces) {
    const pids = (await must("ip", ["netns", "pids", namespace])).stdoutTail.split(/\s+/).filter((pid) => /^\d+$/.test(pid));
    for (const pid of pids) await writeFile(path.join(group, "cgroup.procs"), pid).catch(() => undefined);
  }
  return group;
}

/** Wall seconds of one updatenode run and the CPU seconds (user + sys) it and its ssh clients used. */
function timedCli(home: string, args: string[]): { wall: number; cpu: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "CPU %U %S", process.execPath, path.join(checkoutRoot(), "bin", "updatenode.js"), ...args], { env: { ...process.env, SYSCLONE_HOME: home }, encoding: "utf8" });
  const wall = seconds(start);
  if (r.status !== 0) throw new Error(`updatenode ${args.join(" ")}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wall, cpu: Number(m?.[1] ?? 0) + Number(m?.[2] ?? 0) };
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
  let cgroup: string | undefined;
  let store: Store | undefined;
  try {
    await golden.authorize(serverKey);
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root]);
    cli(home, "chdef", ["-t", "osimage", "benchimg", "verify=no"]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    store = Store.open(paths.database);
    const server = await startServer({
      home: paths, store, repository: new ImageRepository(paths.images), host: net.serverAddress, port: 18580, url: `http://${net.serverAddress}:18580`,
      rsyncPort: 18590, maxConnections: 16, signal: controller.signal, log: () => undefined,
    });

    // A full clone of one node, then the same node brought up to a 1%-changed image with -S.
    const first = await net.addNode("full01");
    cli(home, "mkdef", ["full01", "osimage=benchimg", `ip=${first.address}`, `mac=${first.mac}`]);
    const token = /sysclone\.token=(\S+)/.exec(cli(home, "sysclone", ["bootargs", "full01", "--url", server.url]))?.[1] ?? "";
    await must("sync", []);
    const cloneSeconds = await timed(async () => {
      const result = await first.clone({ server: server.url, token });
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
      cli(home, "mkdef", [name, "osimage=benchimg", `ip=${node.address}`, `mac=${node.mac}`]);
    }
    cli(home, "updatenode", ["live[001-100]", "-k"]); // pins the host keys, so the runs below are alike
    const uncapped10 = timedCli(home, ["live[001-010]", "-P", "stamp", "--fanout", "64"]);
    const uncapped100 = timedCli(home, ["live[001-100]", "-P", "stamp", "--fanout", "64"]);
    cgroup = await capNamespaces(namespaces);
    const p10: number[] = [];
    const p100: number[] = [];
    const cpu10: number[] = [];
    const cpu100: number[] = [];
    for (let run = 0; run < 3; run++) {
      const ten = timedCli(home, ["live[001-010]", "-P", "stamp", "--fanout", "64"]);
      const hundred = timedCli(home, ["live[001-100]", "-P", "stamp", "--fanout", "64"]);
      p10.push(ten.wall);
      cpu10.push(ten.cpu);
      p100.push(hundred.wall);
      cpu100.push(hundred.cpu);
    }
    // BENCH_PROFILE=1: where the time goes (our command's CPU against the machine's load).
    if (process.env["BENCH_PROFILE"] && existsSync("/usr/bin/time")) {
      const { spawnSync } = await import("node:child_process");
      const r = spawnSync("/usr/bin/time", ["-f", "cli cpu: user %U s, sys %S s, wall %e s", process.execPath, path.join(checkoutRoot(), "bin", "updatenode.js"), "live[001-100]", "-P", "stamp"], { env: { ...process.env, SYSCLONE_HOME: home }, encoding: "utf8" });
      console.log(r.stderr.trim().split("\n").slice(-1)[0]);
      const v = spawnSync("sh", ["-c", "cat /proc/loadavg; grep -E '^cpu ' /proc/stat"], { encoding: "utf8" });
      console.log(v.stdout);
    }
    console.log("updatenode benchmark: live nodes are network namespaces with the real sshd chrooted in their own tree");
    console.log(`  -P stamp to 10 nodes:  ${p10.map((t) => t.toFixed(2)).join(" / ")} s (best ${best(p10).toFixed(2)})`);
    console.log(`  -P stamp to 100 nodes: ${p100.map((t) => t.toFixed(2)).join(" / ")} s (best ${best(p100).toFixed(2)})`);
    console.log(`  100 nodes ÷ 10 nodes at fanout 64: ${(best(p100) / best(p10)).toFixed(2)} (goal ≤ 2.5) with the nodes ${cgroup ? `capped at ${NODES_QUOTA_US / 1000} ms of CPU per 100 ms, all together (cgroup v1 cpu)` : "uncapped (no cgroup v1 cpu controller)"}`);
    console.log(`  our CPU (updatenode and its ssh clients) per node: ${(best(cpu10) / 10 * 1000).toFixed(0)} ms at 10 nodes, ${(best(cpu100) / 100 * 1000).toFixed(0)} ms at 100`);
    console.log(`  uncapped, one run each: 10 nodes ${uncapped10.wall.toFixed(2)} s, 100 nodes ${uncapped100.wall.toFixed(2)} s, ratio ${(uncapped100.wall / uncapped10.wall).toFixed(2)}`);
    console.log(`  full clone of one node (${(total / 1e6).toFixed(0)} MB, verify=no): ${cloneSeconds.toFixed(2)} s`);
    console.log(`  -S after a 1% image change (${changedFiles} files, ${(changedBytes / 1e6).toFixed(1)} MB): ${updateSeconds.toFixed(2)} s`);
    console.log(`  -S ÷ full clone: ${(updateSeconds / cloneSeconds).toFixed(2)}`);
    await server.close();
  } finally {
    for (const sshd of sshds) await sshd.stop();
    if (cgroup) await rmdir(cgroup).catch(() => undefined);
    controller.abort();
    store?.close();
    await net.destroy();
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
