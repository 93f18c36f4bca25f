import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { renameSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * Server-side timing for the boot benchmark, loaded into a server with `node --import` (never by
 * sysclone itself): how long each /boot took from its request's headers being parsed to its
 * answer being handed to the socket (Node's http diagnostics channels, which cost nothing when
 * nobody subscribes), and the server's memory, sampled every 100 ms (peak RSS, heap, external,
 * array buffers), and how late its event loop ran (p99 of the loop's delay: how long a request that has
 * arrived may wait before the server reads it). On SIGUSR2 it writes what it gathered since the last one to BENCH_BOOT_TIMING as
 * JSON and starts again.
 */
const file = process.env["BENCH_BOOT_TIMING"] ?? "";
const started = new WeakMap<IncomingMessage, number>();
let bootMs: number[] = [];
const zero = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
let peak = { ...zero };

subscribe("http.server.request.start", (message) => {
  const { request } = message as { request: IncomingMessage };
  if (request.url?.startsWith("/boot?") === true) started.set(request, performance.now());
});
subscribe("http.server.response.finish", (message) => {
  const { request } = message as { request: IncomingMessage };
  const at = started.get(request);
  if (at !== undefined) bootMs.push(performance.now() - at);
});

const sample = (): void => {
  const now = process.memoryUsage();
  peak = {
    rss: Math.max(peak.rss, now.rss),
    heapUsed: Math.max(peak.heapUsed, now.heapUsed),
    heapTotal: Math.max(peak.heapTotal, now.heapTotal),
    external: Math.max(peak.external, now.external),
    arrayBuffers: Math.max(peak.arrayBuffers, now.arrayBuffers),
  };
};
setInterval(sample, 100).unref();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
process.on("SIGUSR2", () => {
  sample();
  // Whole or not at all: the bench reads the file as soon as it appears, and a closed loop's timings run to megabytes.
  writeFileSync(`${file}.part`, JSON.stringify({ bootMs, peak, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6 }));
  renameSync(`${file}.part`, file);
  loop.reset();
  bootMs = [];
  peak = { ...zero };
});
