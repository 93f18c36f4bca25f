import PQueue from "p-queue";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The nodes in waves of `size` (all in one without a size), in the order given: `--wave N --interval S`
 * powers N on, waits S seconds, powers the next N. Pure.
 */
export function planWaves<T>(nodes: readonly T[], size: number | undefined): T[][] {
  if (nodes.length === 0) return [];
  if (size === undefined || size >= nodes.length) return [[...nodes]];
  const waves: T[][] = [];
  for (let i = 0; i < nodes.length; i += size) waves.push(nodes.slice(i, i + size));
  return waves;
}

export interface WaveOptions {
  /** Nodes worked on at once within a wave. */
  readonly fanout: number;
  readonly wave?: number;
  /** Seconds between the start of one wave's end and the next wave. */
  readonly intervalSeconds: number;
  readonly signal?: AbortSignal;
}

/** Runs `work` for every node, wave after wave, at most `fanout` at once; each node's answer, in the nodes' order. */
export async function runInWaves<T, R>(nodes: readonly T[], options: WaveOptions, work: (node: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  const waves = planWaves(nodes, options.wave);
  for (const [index, wave] of waves.entries()) {
    if (index > 0 && options.intervalSeconds > 0) await sleep(options.intervalSeconds * 1000, undefined, options.signal ? { signal: options.signal } : {});
    const queue = new PQueue({ concurrency: options.fanout });
    results.push(...(await Promise.all(wave.map((node) => queue.add(() => work(node), { throwOnTimeout: true })))));
  }
  return results;
}
