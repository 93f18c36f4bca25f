import { spawnSync } from "node:child_process";
import { cli, phaseTimes, seconds, timedCli } from "./helpers.js";
import type { Stats } from "node:fs";
import { lstat, mkdtemp, readdir, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { resolveHome } from "../src/config/paths.js";
import { createGoldenClient } from "../src/demo/golden-client.js";
import { populateDemoTree } from "../src/demo/demo-tree.js";
import { must } from "../src/exec/must.js";


async function duBytes(dir: string): Promise<number> {
  return Number((await must("du", ["-s", "--block-size=1", dir])).stdoutTail.split("\t")[0]);
}

/** Change about 1% of the tree's bytes: rewrite whole files until the budget is spent. */
async function changeOnePercent(root: string, totalBytes: number): Promise<number> {
  const budget = totalBytes / 100;
  let changed = 0;
  const dir = path.join(root, "usr", "share", "doc");
  for (const pkg of (await readdir(dir)).sort()) {
    const changelog = path.join(dir, pkg, "copyright");
    const text = await readFile(changelog).catch(() => undefined);
    if (!text) continue;
    await writeFile(changelog, Buffer.concat([text, Buffer.from("\nchanged by the benchmark\n")]));
    changed += text.length + 25;
    if (changed >= budget) break;
  }
  return changed;
}

/** Where a new version's extra disk goes: files not shared with the previous version, its own directories, its manifest. */
async function extraDiskParts(previous: string, next: string): Promise<{ newFiles: number; directories: number; directoryBytes: number; manifest: number }> {
  const old = new Set<number>();
  const parts = { newFiles: 0, directories: 0, directoryBytes: 0, manifest: (await lstat(path.join(next, "manifest.jsonl"))).blocks * 512 };
  const walk = async (dir: string, visit: (s: Stats) => void): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      visit(await lstat(full));
      if (entry.isDirectory()) await walk(full, visit);
    }
  };
  await walk(path.join(previous, "root"), (s) => old.add(s.ino));
  await walk(path.join(next, "root"), (s) => {
    if (s.isDirectory()) {
      parts.directories++;
      parts.directoryBytes += s.blocks * 512;
    } else if (!old.has(s.ino)) parts.newFiles += s.blocks * 512;
  });
  return parts;
}

export async function benchCapture(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "sysclone-bench-"));
  const golden = await createGoldenClient({ populate: populateDemoTree, rootSizeMiB: 1024 });
  try {
    const key = cli(home, "sysclone", ["keys"]).trim();
    await golden.authorize(key);
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    const sshCommand = `ssh -i ${paths.privateKey} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
    const raw = async (n: number | string, linkDest?: string): Promise<number> => {
      const dest = path.join(home, `raw-${n}`);
      await must("sync", []);
      const start = process.hrtime.bigint();
      await must("rsync", ["-aHAXS", "--numeric-ids", ...(linkDest ? [`--link-dest=${linkDest}`] : []), "-e", sshCommand, `root@${golden.address}:${golden.root}/`, `${dest}/`]);
      return seconds(start);
    };
    // Each capture's time, and its phases as its plain output lines name them ("golden: rsync: …"), for where the time goes.
    const ours = async (image: string): Promise<{ seconds: number; phases: string }> => {
      spawnSync("sync");
      const run = await timedCli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", image, "--root", golden.root]);
      return { seconds: run.seconds, phases: phaseTimes(run.lines, /^golden: (connect|collect|rsync|layout|manifest|commit|done|captured)\b/, run.seconds) };
    };
    await raw(0);
    const rawTimes: number[] = [];
    const ourRuns: { seconds: number; phases: string }[] = [];
    for (let i = 1; i <= 3; i++) {
      rawTimes.push(await raw(i));
      ourRuns.push(await ours(`bench${i}`));
    }
    const ourTimes = ourRuns.map((r) => r.seconds);
    const rawBest = Math.min(...rawTimes);
    const ourBest = Math.min(...ourTimes);
    const info = JSON.parse(await readFile(path.join(home, "images", "bench1", "v1", "image.json"), "utf8")) as { sizeBytes: number; fileCount: number };
    const before = await duBytes(path.join(home, "images", "bench1"));
    const changed = await changeOnePercent(golden.root, info.sizeBytes);
    const recapture = await ours("bench1");
    const second = recapture.seconds;
    // The floor of a re-capture: plain rsync of the same change into a new directory hard-linked to its first copy.
    const rawSecond = await raw("re", path.join(home, "raw-1"));
    const after = await duBytes(path.join(home, "images", "bench1"));
    const v2 = JSON.parse(await readFile(path.join(home, "images", "bench1", "v2", "image.json"), "utf8")) as { newBytes: number };
    const parts = await extraDiskParts(path.join(home, "images", "bench1", "v1"), path.join(home, "images", "bench1", "v2"));
    const firstOfSame = ourTimes[0] ?? ourBest;
    // Copies are kept (and sync'd before each run) for both sides: deleting a fresh copy would skip its writeback.
    console.log(`capture benchmark: ${(info.sizeBytes / 1e6).toFixed(0)} MB, ${info.fileCount} entries, golden client in a network namespace over veth`);
    console.log(`  plain rsync -aHAXS --numeric-ids over OpenSSH: ${rawTimes.map((t) => t.toFixed(2)).join(" / ")} s (best ${rawBest.toFixed(2)})`);
    console.log(`  imgcapture (ssh2 transport, collector, manifest with sha256): ${ourTimes.map((t) => t.toFixed(2)).join(" / ")} s (best ${ourBest.toFixed(2)})`);
    console.log(`    phases of the first (bench1): ${ourRuns[0]?.phases ?? ""}`);
    console.log(`  ratio capture / raw rsync: ${(ourBest / rawBest).toFixed(2)} (goal <= 1.10)`);
    console.log(`  re-capture after changing ${(changed / 1e6).toFixed(2)} MB (1%): ${second.toFixed(2)} s; ratio re-capture / first capture: ${(second / firstOfSame).toFixed(2)} (goal <= 0.15)`);
    console.log(`    phases: ${recapture.phases}`);
    console.log(`    its floor, plain rsync --link-dest of the same change: ${rawSecond.toFixed(2)} s = ${(rawSecond / (rawTimes[0] ?? rawBest)).toFixed(2)} of a first plain rsync; re-capture / that: ${(second / rawSecond).toFixed(2)}`);
    console.log(`  new file bytes / changed bytes: ${(v2.newBytes / changed).toFixed(2)}; extra disk (du, incl. new directory inodes and manifest) / changed bytes: ${((after - before) / changed).toFixed(2)} (goal <= 1.1)`);
    const share = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB (${(bytes / changed).toFixed(2)} x changed)`;
    console.log(`    of which: changed files' own blocks ${share(parts.newFiles)}; the version's ${parts.directories} directories ${share(parts.directoryBytes)}; manifest ${share(parts.manifest)}`);
  } finally {
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
