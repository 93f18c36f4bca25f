import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { localRoot } from "../src/audit/record.js";
import { addUser } from "../src/auth/accounts.js";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { defaults } from "../src/objects/schema.js";
import { Store } from "../src/store/store.js";
import { seconds } from "./helpers.js";

const NODES = 10_000;
const GET_CLIENTS = 8;
const GET_SECONDS = 10;
const SSE_CLIENTS = 200;
const EVENTS_PER_SECOND = 1000;
const SSE_SECONDS = 10;
const READER_PROCESSES = 4;
/** How long after the window readers wait for its last events. */
const DRAIN_MS = 10_000;
const WARMUP_S = 2;
const PORT = 18794;
const BARE_PORT = 18796;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

async function statusField(pid: number, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "")).replace(/^.*\) /, "").split(" ");
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return ticks / 100;
}

/** Starts a process and resolves once its output says `ready`. */
function startUntil(args: readonly string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], cwd: checkoutRoot() });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}: ${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

interface LoadResult {
  readonly requests: number;
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly bytes: number;
  readonly cpuPercent: number;
  readonly rssPeak: number;
}

/** `clients` keep-alive loops of GET `url` for WARMUP_S + GET_SECONDS; what the measured part saw, and the server's CPU and RSS. */
async function load(port: number, urlPath: string, headers: Record<string, string>, pid: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: GET_CLIENTS });
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let rssPeak = 0;
  const sampler = setInterval(() => void statusField(pid, "VmRSS").then((rss) => (rssPeak = Math.max(rssPeak, rss))), 200);
  const get = (): Promise<{ ok: boolean; size: number }> =>
    new Promise((resolve) => {
      const request = http.get({ host: "127.0.0.1", port, path: urlPath, headers, agent }, (response) => {
        let size = 0;
        response.on("data", (chunk: Buffer) => (size += chunk.length));
        response.on("end", () => resolve({ ok: response.statusCode === 200, size }));
      });
      request.on("error", () => resolve({ ok: false, size: 0 }));
    });
  const measureFrom = Date.now() + WARMUP_S * 1000;
  const stopAt = measureFrom + GET_SECONDS * 1000;
  let measuredStart = 0n;
  let cpuStart = 0;
  const client = async (): Promise<void> => {
    while (Date.now() < stopAt) {
      const measuring = Date.now() >= measureFrom;
      if (measuring && measuredStart === 0n) {
        measuredStart = process.hrtime.bigint();
        cpuStart = await cpuSeconds(pid);
      }
      const start = process.hrtime.bigint();
      const answer = await get();
      if (measuring) {
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        bytes += answer.size;
        if (!answer.ok) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: GET_CLIENTS }, client));
  const measured = seconds(measuredStart);
  const cpu = (await cpuSeconds(pid)) - cpuStart;
  clearInterval(sampler);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, rate: latencies.length / measured, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, bytes: bytes / Math.max(1, latencies.length), cpuPercent: (cpu / measured) * 100, rssPeak: Math.max(rssPeak, await statusField(pid, "VmRSS")) };
}

/**
 * The management API under load (issue 15), against `sysclone serve` on loopback:
 * GET /api/v1/nodes with 10,000 nodes (8 keep-alive clients) beside a bare fastify route answering
 * the same JSON from memory in its own process, as ratios; nodels of the 10,000 through the API
 * and at the shell; then 200 Server-Sent Event clients while another process writes 1,000 events a
 * second into the database (as CLI commands do): delivery latency p50/p99 (write to arrival, the
 * stream polls the store every 250 ms), every frame delivered, the server's CPU and RSS.
 */
export async function benchApi(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-bench-api-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  const env: NodeJS.ProcessEnv = { ...process.env, SYSCLONE_HOME: dir };
  for (const key of ["SYSCLONE_URL", "SYSCLONE_TOKEN", "SYSCLONE_TOKEN_FILE"]) delete env[key];
  let token = "";
  const store = Store.open(home.database);
  try {
    store.createObject("osimage", "bench", defaults("osimage"));
    store.transaction(() => {
      for (let i = 0; i < NODES; i++) {
        store.createObject("node", `n${String(i).padStart(5, "0")}`, { ...defaults("node"), osimage: "bench", groups: `compute,rack${Math.floor(i / 40)}`, ip: `10.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`, mac: `52:54:01:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}` });
      }
    });
    token = addUser(store, { name: "bench", role: "admin", groups: [], expiresAt: "" }, localRoot).token.token;
  } finally {
    store.close();
  }
  const server = await startUntil([path.join(checkoutRoot(), "bin", "sysclone.js"), "serve", "--listen", `127.0.0.1:${PORT}`, "--rsync-port", String(PORT + 1)], env, "serving ");
  const children: ChildProcess[] = [server];
  try {
    const pid = server.pid ?? 0;
    const auth = { authorization: `Bearer ${token}` };
    // The answer, once, for the bare route.
    const body = await new Promise<string>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: PORT, path: "/api/v1/nodes", headers: auth }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET /api/v1/nodes: ${response.statusCode} ${text.slice(0, 200)}`))));
      }).on("error", reject);
    });
    const bodyFile = path.join(dir, "nodes.json");
    await writeFile(bodyFile, body);

    const api = await load(PORT, "/api/v1/nodes", auth, pid);
    const bare = await startUntil([path.join(checkoutRoot(), "dist", "bench", "api-bare.js"), bodyFile, String(BARE_PORT)], env, "listening");
    children.push(bare);
    const floor = await load(BARE_PORT, "/api/v1/nodes", {}, bare.pid ?? 0);
    await stop(bare);

    console.log(`api: GET /api/v1/nodes, ${NODES} nodes (${(api.bytes / 1024 / 1024).toFixed(1)} MB an answer), ${GET_CLIENTS} keep-alive clients on loopback, ${GET_SECONDS} s after ${WARMUP_S} s warm-up; floor: a bare fastify route answering the same JSON from memory`);
    console.log(`api:   sysclone ${api.rate.toFixed(1)} req/s, p50 ${api.p50.toFixed(0)} ms, p99 ${api.p99.toFixed(0)} ms, errors ${api.errors}; server CPU ${api.cpuPercent.toFixed(0)}%, RSS ${mb(api.rssPeak)} MB`);
    console.log(`api:   bare     ${floor.rate.toFixed(1)} req/s, p50 ${floor.p50.toFixed(0)} ms, p99 ${floor.p99.toFixed(0)} ms, errors ${floor.errors}; CPU ${floor.cpuPercent.toFixed(0)}%, RSS ${mb(floor.rssPeak)} MB`);
    console.log(`api:   ratio sysclone/bare: throughput ${(api.rate / floor.rate).toFixed(2)}×, p50 latency ${(api.p50 / floor.p50).toFixed(2)}× (same run, same machine)`);

    // The remote CLI over the same fleet, Node start-up included.
    const tokenFile = path.join(dir, "token");
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const nodels = (extra: Record<string, string>): number => {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [path.join(checkoutRoot(), "bin", "nodels.js"), "compute", "ip"], { env: { ...env, ...extra }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      if (result.status !== 0 || result.stdout.split("\n").length !== NODES + 1) throw new Error(`nodels: ${result.status} ${result.stderr}`);
      return seconds(start);
    };
    const local = nodels({});
    const remote = nodels({ SYSCLONE_URL: `http://127.0.0.1:${PORT}`, SYSCLONE_TOKEN_FILE: tokenFile });
    console.log(`api: nodels compute ip (${NODES} lines): at the shell ${local.toFixed(2)} s, through the API ${remote.toFixed(2)} s (${(remote / local).toFixed(2)}×), Node start-up included`);

    // 200 SSE readers (in 4 processes of their own) while another process writes 1,000 events a second.
    const startAt = Date.now() + 3000;
    const from = startAt + WARMUP_S * 1000;
    const until = from + SSE_SECONDS * 1000;
    const readers = Array.from({ length: READER_PROCESSES }, () => {
      const reader = spawn(process.execPath, [path.join(checkoutRoot(), "dist", "bench", "api-reader.js"), String(PORT), token, String(SSE_CLIENTS / READER_PROCESSES), String(from), String(until), String(DRAIN_MS)], { env, stdio: ["ignore", "pipe", "inherit"] });
      children.push(reader);
      let output = "";
      reader.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      return new Promise<{ connected: number; received: number; histogram: [number, number][] }>((resolve) => reader.once("exit", () => resolve(JSON.parse(output || '{"connected":0,"received":0,"histogram":[]}') as { connected: number; received: number; histogram: [number, number][] })));
    });
    await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
    const rssBefore = await statusField(pid, "VmRSS");
    const writer = spawn(process.execPath, [path.join(checkoutRoot(), "dist", "bench", "api-writer.js"), home.database, String(EVENTS_PER_SECOND), String(WARMUP_S + SSE_SECONDS + 1), String(NODES), String(from), String(until)], { env, stdio: ["ignore", "pipe", "inherit"] });
    children.push(writer);
    let writtenText = "";
    writer.stdout.on("data", (chunk: Buffer) => (writtenText += chunk.toString()));
    const writerDone = new Promise((resolve) => writer.once("exit", resolve));
    let rssPeak = 0;
    const sampler = setInterval(() => void statusField(pid, "VmRSS").then((rss) => (rssPeak = Math.max(rssPeak, rss))), 200);
    await new Promise((resolve) => setTimeout(resolve, from - Date.now()));
    const cpuStart = await cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, until - Date.now()));
    const cpu = (await cpuSeconds(pid)) - cpuStart;
    await writerDone;
    const results = await Promise.all(readers);
    clearInterval(sampler);
    const written = Number(writtenText.trim());
    const connected = results.reduce((sum, r) => sum + r.connected, 0);
    const received = results.reduce((sum, r) => sum + r.received, 0);
    const histogram = new Map<number, number>();
    for (const result of results) for (const [ms, count] of result.histogram) histogram.set(ms, (histogram.get(ms) ?? 0) + count);
    const buckets = [...histogram].sort((a, b) => a[0] - b[0]);
    const quantile = (q: number): number => {
      let seen = 0;
      for (const [ms, count] of buckets) {
        seen += count;
        if (seen >= received * q) return ms;
      }
      return buckets.at(-1)?.[0] ?? 0;
    };
    console.log(`api: ${SSE_CLIENTS} SSE clients on /api/v1/events/stream (${connected} connected; readers in ${READER_PROCESSES} processes of their own) while another process writes ${EVENTS_PER_SECOND} events/s into the database; the events of ${SSE_SECONDS} s after ${WARMUP_S} s warm-up`);
    console.log(`api:   delivery latency (write to arrival; the stream polls the store every 250 ms) p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms, max ${buckets.at(-1)?.[0] ?? 0} ms; ${received} of ${written * connected} frames delivered within ${DRAIN_MS / 1000} s of the window's end (${written} events × ${connected} clients)`);
    console.log(`api:   server CPU ${((cpu / SSE_SECONDS) * 100).toFixed(0)}% of one core, RSS ${mb(rssBefore)} MB with the streams open, peak ${mb(rssPeak)} MB (HWM ${mb(await statusField(pid, "VmHWM"))} MB)`);
  } finally {
    for (const child of children.reverse()) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}
