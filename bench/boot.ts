import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { defaults } from "../src/objects/schema.js";
import { Store } from "../src/store/store.js";
import { cli } from "./helpers.js";

export const BENCH_NODES = 2500;
const CLIENTS = 1000;
const STORM = 1000;
const STORM_SPREAD_MS = 2000;
const MiB = 1024 * 1024;
/** About a Debian kernel and our clone initrd. */
const KERNEL_BYTES = 8 * MiB;
const INITRD_BYTES = 10 * MiB;
const PORT = 20500;
const BARE_PORT = 20502;
/**
 * Servers on one core, clients (wrk, the storm) on the other: a client busy reading 18 GB must not
 * take the server's core, nor the server the client's, so the latencies measured are the server's.
 */
const SERVER_CPU = "0";
const CLIENT_CPU = "1";
const pinned = (cpu: string, command: string, args: readonly string[]): [string, string[]] => ["taskset", ["-c", cpu, command, ...args]];

export const macOf = (i: number, prefix = "52:54:01"): string => `${prefix}:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
export const nodeName = (i: number): string => `n${String(i).padStart(4, "0")}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function statusField(pid: number, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
}

/** A fleet of BENCH_NODES nodes n0000… (MAC 52:54:01:…) with osimage `bench`, whose netboot files are about real size. */
export async function benchFleet(dir: string): Promise<string> {
  const home = resolveHome({ SYSCLONE_HOME: dir });
  const store = Store.open(home.database);
  try {
    store.createObject("osimage", "bench", defaults("osimage"));
    store.transaction(() => {
      for (let i = 0; i < BENCH_NODES; i++) store.createObject("node", nodeName(i), { ...defaults("node"), mac: macOf(i), osimage: "bench", groups: "compute" });
    });
  } finally {
    store.close();
  }
  const netboot = path.join(home.images, "bench", "netboot");
  await mkdir(netboot, { recursive: true });
  await writeFile(path.join(netboot, "kernel"), randomBytes(KERNEL_BYTES));
  await writeFile(path.join(netboot, "initrd.img"), randomBytes(INITRD_BYTES));
  return netboot;
}

/**
 * What 1,000 machines PXE-booting at once ask, closed loop: mostly finished nodes (local disk), some
 * installs, some unknown boxes. They all come from loopback, so the nodes have no ip and serve's
 * per-address limit is lifted (--boot-rate): the bench measures the answers, not the limit.
 */
function bootPath(i: number): string {
  if (i % 10 === 0) return `/boot?mac=${macOf(100_000 + (i % 250), "52:54:02").replace(/:/g, "-")}`;
  return `/boot?mac=${macOf(i % BENCH_NODES).replace(/:/g, "-")}&uuid=&serial=`;
}

async function started(child: ChildProcess, word: string): Promise<void> {
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(word)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => reject(new Error(`exited before it started: ${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/** wrk (C, its own process and event loop) closed loop: CLIENTS connections for `seconds`, paths cycled from a Lua table. */
async function wrk(dir: string, port: number, seconds: number): Promise<WrkResult> {
  const script = path.join(dir, "boot.lua");
  const paths = Array.from({ length: 5000 }, (_, i) => JSON.stringify(bootPath(i))).join(",");
  await writeFile(
    script,
    `local paths = {${paths}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n` +
      `done = function(s, latency)\n  local e = s.errors\n  io.write(string.format("RESULT %d %d %d %d %d\\n", s.requests, s.duration, e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50), latency:percentile(99)))\nend\n`,
  );
  const child = spawn(...pinned(CLIENT_CPU, "wrk", ["-t1", `-c${CLIENTS}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, `http://127.0.0.1:${port}`]), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  const m = /RESULT (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`wrk: ${out}`);
  const [requests, micros, errors, p50, p99] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { requests, seconds: micros / 1e6, errors, p50: p50 / 1000, p99: p99 / 1000 };
}

interface StormResult {
  readonly bootMs: number[];
  readonly errors: string[];
  readonly bytes: number;
  readonly lastDoneMs: number;
}

async function storm(port: number, macs: readonly string[]): Promise<StormResult> {
  const child = spawn(...pinned(CLIENT_CPU, process.execPath, [path.join(checkoutRoot(), "dist", "bench", "boot-storm.js"), `http://127.0.0.1:${port}`, String(STORM_SPREAD_MS), ...macs]), { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out) as StormResult;
}

/** Peak RSS of a process while `work` runs, sampled every 100 ms, and its high-water mark. */
async function withRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; rss: number }> {
  let peak = 0;
  const sampler = setInterval(() => void statusField(pid, "VmRSS").then((rss) => (peak = Math.max(peak, rss))), 100);
  try {
    const result = await work();
    return { result, rss: Math.max(peak, await statusField(pid, "VmHWM")) };
  } finally {
    clearInterval(sampler);
  }
}

const mb = (bytes: number): string => (bytes / MiB).toFixed(0);

interface ServerSide {
  readonly bootMs: number[];
  readonly peak: { readonly rss: number; readonly heapUsed: number; readonly heapTotal: number; readonly external: number; readonly arrayBuffers: number };
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

/** What bench/boot-timing.js (loaded into the server) gathered since it was last asked: /boot durations inside the server and peak memory. */
async function serverSide(child: ChildProcess, file: string): Promise<ServerSide> {
  await rm(file, { force: true });
  child.kill("SIGUSR2");
  for (let i = 0; i < 100; i++) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text !== "") return JSON.parse(text) as ServerSide;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no timing from the server in ${file}`);
}

const memory = (side: ServerSide): string =>
  `RSS ${mb(side.peak.rss)} MB (heap ${mb(side.peak.heapUsed)} used of ${mb(side.peak.heapTotal)}, external ${mb(side.peak.external)} of which array buffers ${mb(side.peak.arrayBuffers)})`;

/**
 * The PXE front door, as ratios against a bare fastify route in the same run: closed-loop /boot
 * throughput with 1,000 connections (wrk), and an open-loop storm of 1,000 machines arriving within
 * 2 s, each asking boot.ipxe, /boot, then the kernel and initrd. Goals: throughput ratio ≥ 0.8,
 * storm /boot p99 < 50 ms, 0 errors, server RSS < 200 MB, all files delivered close to the floor's time.
 * BENCH_PROFILE=DIR: serve runs with --cpu-prof into DIR.
 */
export async function benchBoot(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-bench-boot-"));
  const children: ChildProcess[] = [];
  try {
    const netboot = await benchFleet(dir);
    // 90% of the fleet is installed and boots locally; every tenth node is being reinstalled.
    cli(dir, "nodeset", [`n[0000-${BENCH_NODES - 1}]`, "boot"]);
    const reinstall = Array.from({ length: BENCH_NODES / 10 }, (_, k) => nodeName(k * 10 + 5)).join(",");
    cli(dir, "nodeset", [reinstall, "osimage=bench"]);

    const profile = process.env["BENCH_PROFILE"];
    const nodeArgs = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
    const timing = ["--import", path.join(checkoutRoot(), "dist", "bench", "boot-timing.js")];
    const ourTiming = path.join(dir, "ours-timing.json");
    const bareTiming = path.join(dir, "bare-timing.json");
    const server = spawn(...pinned(SERVER_CPU, process.execPath, [...nodeArgs, ...timing, path.join(checkoutRoot(), "bin", "sysclone.js"), "serve", "--listen", `127.0.0.1:${PORT}`, "--rsync-port", String(PORT + 1), "--boot-rate", "1000000"]), {
      env: { ...process.env, SYSCLONE_HOME: dir, BENCH_BOOT_TIMING: ourTiming },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(server);
    await started(server, "serving ");
    // The bare route answers what /boot answers an installing node, with a token that is never checked.
    const scriptFile = path.join(dir, "bare.ipxe");
    const sample = await fetch(`http://127.0.0.1:${PORT}/boot?mac=${macOf(5).replace(/:/g, "-")}`).then((r) => r.text());
    await writeFile(scriptFile, sample.replaceAll(`:${PORT}/`, `:${BARE_PORT}/`));
    const bare = spawn(...pinned(SERVER_CPU, process.execPath, [...timing, path.join(checkoutRoot(), "dist", "bench", "boot-bare.js"), String(BARE_PORT), netboot, scriptFile]), {
      env: { ...process.env, BENCH_BOOT_TIMING: bareTiming },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(bare);
    await started(bare, "listening");
    const pid = server.pid ?? 0;
    console.log(`boot: servers pinned to CPU ${SERVER_CPU}, clients (wrk, the storm) to CPU ${CLIENT_CPU} (taskset); /boot timed inside each server too (bench/boot-timing.js, Node's http diagnostics channels)`);

    // Closed loop, alternating, each after a 2 s warm-up of its own; best of two per side.
    const ours: WrkResult[] = [];
    const floor: WrkResult[] = [];
    let rss = 0;
    for (let run = 0; run < 2; run++) {
      await wrk(dir, BARE_PORT, 2);
      floor.push(await wrk(dir, BARE_PORT, 10));
      await wrk(dir, PORT, 2);
      const measured = await withRss(pid, () => wrk(dir, PORT, 10));
      rss = Math.max(rss, measured.rss);
      ours.push(measured.result);
    }
    const rate = (r: WrkResult): number => r.requests / r.seconds;
    const bestOurs = ours.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    const bestFloor = floor.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    const loopOurs = await serverSide(server, ourTiming);
    const loopBare = await serverSide(bare, bareTiming);
    console.log(`boot: closed loop, ${CLIENTS} connections (wrk), ${BENCH_NODES} nodes (90% local disk, 10% installing) plus unknown machines; best of 2 × 10 s each`);
    console.log(`boot:   bare fastify route (fixed iPXE script): ${rate(bestFloor).toFixed(0)} req/s, p50 ${bestFloor.p50.toFixed(1)} ms, p99 ${bestFloor.p99.toFixed(1)} ms`);
    console.log(`boot:   sysclone /boot:                          ${rate(bestOurs).toFixed(0)} req/s, p50 ${bestOurs.p50.toFixed(1)} ms, p99 ${bestOurs.p99.toFixed(1)} ms, errors ${ours.reduce((s, r) => s + r.errors, 0)}`);
    console.log(`boot:   throughput ÷ bare: ${(rate(bestOurs) / rate(bestFloor)).toFixed(2)} (goal ≥ 0.8); runs ${ours.map((r) => rate(r).toFixed(0)).join(" / ")} vs ${floor.map((r) => rate(r).toFixed(0)).join(" / ")}; server RSS peak ${mb(rss)} MB`);
    console.log(`boot:   memory, ours: ${memory(loopOurs)}; bare: ${memory(loopBare)}`);

    // The storm: 1,000 nodes whose next boot installs, arriving within 2 s. Files read once before, so both sides find them cached.
    cli(dir, "nodeset", [`n[0000-${STORM - 1}]`, "osimage=bench"]);
    await readFile(path.join(netboot, "kernel"));
    await readFile(path.join(netboot, "initrd.img"));
    const macs = Array.from({ length: STORM }, (_, i) => macOf(i));
    await serverSide(server, ourTiming);
    await serverSide(bare, bareTiming);
    const bareStorm = await storm(BARE_PORT, macs);
    const bareInside = await serverSide(bare, bareTiming);
    const stormRun = await withRss(pid, () => storm(PORT, macs));
    const ourInside = await serverSide(server, ourTiming);
    const ourStorm = stormRun.result;
    const sorted = [...ourStorm.bootMs].sort((a, b) => a - b);
    const bareSorted = [...bareStorm.bootMs].sort((a, b) => a - b);
    const insideSorted = [...ourInside.bootMs].sort((a, b) => a - b);
    const bareInsideSorted = [...bareInside.bootMs].sort((a, b) => a - b);
    const expected = STORM * (KERNEL_BYTES + INITRD_BYTES);
    console.log(`boot: open-loop storm, ${STORM} installing machines arriving within ${STORM_SPREAD_MS / 1000} s: boot.ipxe, /boot, kernel (${mb(KERNEL_BYTES)} MiB), initrd (${mb(INITRD_BYTES)} MiB)`);
    console.log(`boot:   /boot p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (goal < 50; bare route p99 ${percentile(bareSorted, 99).toFixed(1)} ms), errors ${ourStorm.errors.length} (goal 0)${ourStorm.errors.length > 0 ? `: ${ourStorm.errors.slice(0, 3).join("; ")}` : ""}`);
    console.log(`boot:   /boot inside the server (headers parsed → answer handed to the socket): p50 ${percentile(insideSorted, 50).toFixed(1)} ms, p99 ${percentile(insideSorted, 99).toFixed(1)} ms; bare route p99 ${percentile(bareInsideSorted, 99).toFixed(1)} ms; event loop delay p99 ${ourInside.loopDelayP99Ms.toFixed(1)} ms, max ${ourInside.loopDelayMaxMs.toFixed(0)} ms (bare: ${bareInside.loopDelayP99Ms.toFixed(1)}, ${bareInside.loopDelayMaxMs.toFixed(0)})`);
    console.log(`boot:   server RSS peak ${mb(stormRun.rss)} MB (goal < 200); ours: ${memory(ourInside)}; bare: ${memory(bareInside)}`);
    console.log(`boot:   every machine had kernel and initrd after ${(ourStorm.lastDoneMs / 1000).toFixed(2)} s; ${(ourStorm.bytes / MiB).toFixed(0)} MiB of ${(expected / MiB).toFixed(0)} expected`);
    console.log(`boot:   floor (bare fastify, same files, same client, same run): ${(bareStorm.lastDoneMs / 1000).toFixed(2)} s, loopback + page cache at ${(bareStorm.bytes / MiB / (bareStorm.lastDoneMs / 1000)).toFixed(0)} MiB/s; ÷ floor ${(ourStorm.lastDoneMs / bareStorm.lastDoneMs).toFixed(2)}${bareStorm.errors.length > 0 ? `; bare errors ${bareStorm.errors.length}` : ""}`);
  } finally {
    for (const child of children) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}
