import { spawn } from "node:child_process";
import { readFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { defaults } from "../src/objects/schema.js";
import { Store } from "../src/store/store.js";
import { cli, seconds } from "./helpers.js";

const NODES = 2500;
const CLIENTS = 1000;
const DURATION_S = 10;
const WARMUP_S = 2;

const macOf = (i: number, prefix = "52:54:01"): string => `${prefix}:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function statusField(pid: number, field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
}

/**
 * What 1,000 machines PXE-booting at once ask: mostly finished nodes (local disk), some installs, some unknown boxes.
 * They all come from loopback here, so the nodes have no ip (a node with one gets tokens only from it) and serve's
 * per-address limit is lifted (--boot-rate): the bench measures the answers, not the limit.
 */
function bootQuery(i: number): string {
  const roll = i % 10;
  if (roll === 0) return `mac=${macOf(100_000 + (i % 250), "52:54:02").replace(/:/g, "-")}`;
  const node = i % NODES;
  return `mac=${macOf(node).replace(/:/g, "-")}&uuid=&serial=`;
}

/**
 * The PXE front door under load: 1,000 concurrent /boot clients on loopback against `sysclone serve`
 * with 2,500 nodes (req/s, p50/p99, errors, the server's peak RSS), and `nodeset` of 2,500 nodes as
 * a user runs it (Node start-up included). Goals: ≥ 5,000 req/s, p99 < 50 ms, 0 errors, < 200 MB; nodeset < 2 s.
 */
export async function benchBoot(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-bench-boot-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  try {
    const store = Store.open(path.join(home.state, "sysclone.db"));
    try {
      store.createObject("osimage", "bench", defaults("osimage"));
      store.transaction(() => {
        for (let i = 0; i < NODES; i++) {
          const name = `n${String(i).padStart(4, "0")}`;
          store.createObject("node", name, { ...defaults("node"), mac: macOf(i), osimage: "bench", groups: "compute" });
        }
      });
    } finally {
      store.close();
    }
    await mkdir(path.join(home.images, "bench", "netboot"), { recursive: true });
    await writeFile(path.join(home.images, "bench", "netboot", "kernel"), "kernel");
    await writeFile(path.join(home.images, "bench", "netboot", "initrd.img"), "initrd");

    const nodesetStart = process.hrtime.bigint();
    cli(dir, "nodeset", [`n[0000-${NODES - 1}]`, "osimage=bench"]);
    const nodesetSeconds = seconds(nodesetStart);
    // 90% of the fleet is installed and boots locally; every tenth node is being reinstalled.
    cli(dir, "nodeset", [`n[0000-${NODES - 1}]`, "boot"]);
    const reinstall = Array.from({ length: NODES / 10 }, (_, k) => `n${String(k * 10 + 5).padStart(4, "0")}`).join(",");
    cli(dir, "nodeset", [reinstall, "osimage=bench"]);

    const port = 18790;
    const server = spawn(process.execPath, [path.join(checkoutRoot(), "bin", "sysclone.js"), "serve", "--listen", `127.0.0.1:${port}`, "--rsync-port", "18791", "--boot-rate", "1000000"], {
      env: { ...process.env, SYSCLONE_HOME: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let serverOutput = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${serverOutput}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        serverOutput += chunk.toString();
        if (serverOutput.includes("serving ")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout.on("data", onData);
      server.stderr.on("data", onData);
    });
    try {
      const pid = server.pid ?? 0;
      const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
      const latencies: number[] = [];
      let errors = 0;
      let requests = 0;
      let measuring = false;
      let counter = 0;
      let peakRss = 0;
      const sampler = setInterval(() => void statusField(pid, "VmRSS").then((rss) => (peakRss = Math.max(peakRss, rss))), 200);
      const get = (query: string): Promise<boolean> =>
        new Promise((resolve) => {
          const request = http.get({ host: "127.0.0.1", port, path: `/boot?${query}`, agent }, (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode === 200));
          });
          request.on("error", () => resolve(false));
        });
      const stopAt = Date.now() + (WARMUP_S + DURATION_S) * 1000;
      const measureFrom = Date.now() + WARMUP_S * 1000;
      let measuredStart = 0n;
      const client = async (): Promise<void> => {
        while (Date.now() < stopAt) {
          if (!measuring && Date.now() >= measureFrom) {
            measuring = true;
            measuredStart = process.hrtime.bigint();
          }
          const start = process.hrtime.bigint();
          const ok = await get(bootQuery(counter++));
          if (measuring) {
            requests++;
            latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
            if (!ok) errors++;
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      const measured = seconds(measuredStart);
      clearInterval(sampler);
      agent.destroy();
      const hwm = await statusField(pid, "VmHWM");
      latencies.sort((a, b) => a - b);
      const rate = requests / measured;
      const p99 = percentile(latencies, 99);
      const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
      console.log(`boot: ${CLIENTS} concurrent /boot clients on loopback, ${NODES} nodes (90% local disk, 10% installing) plus unknown machines; ${measured.toFixed(1)} s measured after ${WARMUP_S} s warm-up`);
      console.log(`boot:   ${requests} requests: ${rate.toFixed(0)} req/s (goal ≥ 5000), p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (goal < 50), errors ${errors} (goal 0)`);
      console.log(`boot:   server RSS peak ${mb(Math.max(peakRss, hwm))} MB (goal < 200)`);
      console.log(`boot: nodeset of ${NODES} nodes: ${nodesetSeconds.toFixed(2)} s (goal < 2), Node start-up included`);
    } finally {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
