import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { BENCH_NODES, benchFleet, nodeName } from "./boot.js";
import { cli, seconds } from "./helpers.js";

function timed(work: () => unknown): number {
  const start = process.hrtime.bigint();
  work();
  return seconds(start);
}

/**
 * `nodeset` of 2,500 nodes as a user runs it (Node start-up, noderange, checks, audit, events,
 * revoked installs) against a Node process doing a bare SQLite UPDATE of the same rows in one
 * transaction, alternating, best of three each. Goal: < 1 s.
 */
export async function benchNodeset(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-bench-nodeset-"));
  try {
    await benchFleet(dir);
    const database = resolveHome({ SYSCLONE_HOME: dir }).database;
    const names = Array.from({ length: BENCH_NODES }, (_, i) => nodeName(i));
    const range = `n[0000-${BENCH_NODES - 1}]`;
    const ours: number[] = [];
    const boot: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < 3; run++) {
      floor.push(timed(() => {
        const r = spawnSync(process.execPath, [path.join(checkoutRoot(), "dist", "bench", "nodeset-bare.js"), database, ...names], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`nodeset-bare: ${r.stderr}`);
      }));
      ours.push(timed(() => cli(dir, "nodeset", [range, "osimage=bench"])));
      boot.push(timed(() => cli(dir, "nodeset", [range, "boot"])));
    }
    const best = (times: readonly number[]): number => Math.min(...times);
    const list = (times: readonly number[]): string => times.map((t) => t.toFixed(2)).join(" / ");
    console.log(`nodeset: ${BENCH_NODES} nodes, Node start-up included on both sides, best of 3`);
    console.log(`nodeset:   nodeset ${range} osimage=bench: ${best(ours).toFixed(2)} s (${list(ours)}) (goal < 1)`);
    console.log(`nodeset:   nodeset ${range} boot:          ${best(boot).toFixed(2)} s (${list(boot)})`);
    console.log(`nodeset:   bare SQLite UPDATE of the same rows: ${best(floor).toFixed(2)} s (${list(floor)}); nodeset ÷ bare ${(best(ours) / best(floor)).toFixed(2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
