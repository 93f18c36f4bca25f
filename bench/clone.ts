import { cli, seconds } from "./helpers.js";
import { mkdir, mkdtemp, readdir, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../server/main.js";
import { resolveHome } from "../src/config/paths.js";
import { createGoldenClient } from "../src/demo/golden-client.js";
import { populateDemoTree } from "../src/demo/demo-tree.js";
import { createProvisioningNetwork } from "../src/demo/virtual-nodes.js";
import { SupervisedDaemon } from "../src/exec/daemon.js";
import { must } from "../src/exec/must.js";
import { ImageRepository } from "../src/image/repository.js";
import { Store } from "../src/store/store.js";


const best = (times: readonly number[]): number => Math.min(...times);
const list = (times: readonly number[]): string => times.map((t) => t.toFixed(2)).join(" / ");

/**
 * One virtual-node clone (inventory, plan, pull, verify, finish) against the raw tools doing the
 * copy by hand in the same run: a plain rsync daemon pull, and tar | zstd | zstd -d | tar.
 */
export async function benchClone(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "sysclone-bench-"));
  const golden = await createGoldenClient({ populate: populateDemoTree, rootSizeMiB: 1024 });
  const net = await createProvisioningNetwork();
  const controller = new AbortController();
  let store: Store | undefined;
  // Closed before the store on every path: its housekeeping timer must not outlive the database.
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    await golden.authorize(cli(home, "sysclone", ["keys"]).trim());
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    const imageRoot = path.join(paths.images, "benchimg", "v1", "root");
    const info = JSON.parse(await readFile(path.join(paths.images, "benchimg", "v1", "image.json"), "utf8")) as { sizeBytes: number; fileCount: number };
    store = Store.open(paths.database);
    const running = await startServer({
      home: paths, store, repository: new ImageRepository(paths.images), host: net.serverAddress, port: 20600, url: `http://${net.serverAddress}:20600`,
      rsyncPort: 20610, maxConnections: 16, signal: controller.signal, log: () => undefined,
    });
    server = running;
    // The raw side: a plain rsync daemon over the same tree, no auth, same network.
    const rawConf = path.join(home, "raw-rsyncd.conf");
    await writeFile(rawConf, `use chroot = yes\nnumeric ids = yes\nuid = root\ngid = root\n[raw]\n  path = ${imageRoot}\n  read only = yes\n`);
    const rawDaemon = new SupervisedDaemon({ name: "raw rsyncd", command: "rsync", args: ["--daemon", "--no-detach", `--config=${rawConf}`, `--address=${net.serverAddress}`, "--port=20611"], signal: controller.signal, log: () => undefined });
    await new Promise((r) => setTimeout(r, 500));
    const node = await net.addNode("bench01", { target: path.join(home, "targets", "clone") });
    cli(home, "mkdef", ["bench01", "osimage=benchimg"]);
    // Targets live on a tmpfs, emptied before each run: disk writeback of earlier copies would
    // otherwise land on whichever run comes next and swamp the difference being measured.
    const targets = path.join(home, "targets");
    await mkdir(targets, { recursive: true });
    await must("mount", ["-t", "tmpfs", "-o", "size=4g", "tmpfs", targets]);
    const fresh = async (name: string): Promise<string> => {
      for (const entry of await readdir(targets)) await rm(path.join(targets, entry), { recursive: true, force: true });
      const dir = path.join(targets, name);
      await mkdir(dir, { recursive: true });
      await must("sync", []);
      return dir;
    };
    const rawRsync = async (n: number): Promise<number> => {
      const dir = await fresh(`raw-rsync-${n}`);
      const start = process.hrtime.bigint();
      await must("ip", ["netns", "exec", node.namespace, "rsync", "-aHAXS", "--numeric-ids", `rsync://${net.serverAddress}:20611/raw/`, `${dir}/`]);
      return seconds(start);
    };
    const rawTar = async (n: number): Promise<number> => {
      const dir = await fresh(`raw-tar-${n}`);
      const start = process.hrtime.bigint();
      await must("sh", ["-c", 'tar -C "$0" -cf - --numeric-owner --xattrs --xattrs-include="*" --acls --sparse . | zstd -q -1 -T0 | zstd -q -dc | tar -C "$1" -xpf - --numeric-owner --xattrs --xattrs-include="*" --acls', imageRoot, dir]);
      return seconds(start);
    };
    const rawPlainTar = async (n: number): Promise<number> => {
      const dir = await fresh(`raw-plain-tar-${n}`);
      const start = process.hrtime.bigint();
      await must("sh", ["-c", 'tar -C "$0" -cf - --numeric-owner --xattrs --xattrs-include="*" --acls --sparse . | tar -C "$1" -xpf - --numeric-owner --xattrs --xattrs-include="*" --acls', imageRoot, dir]);
      return seconds(start);
    };
    const ours = async (transport: string, verify: string): Promise<number> => {
      cli(home, "chdef", ["-t", "osimage", "benchimg", `transport=${transport}`, `verify=${verify}`]);
      const token = /sysclone\.token=(\S+)/.exec(cli(home, "sysclone", ["bootargs", "bench01", "--url", running.url]))?.[1] ?? "";
      await fresh("clone");
      const start = process.hrtime.bigint();
      const result = await node.clone({ server: running.url, token });
      if (result.code !== 0) throw new Error(`clone failed: ${result.stderr}\n${result.log}`);
      return seconds(start);
    };
    await rawRsync(0);
    const once = process.env["BENCH_CLONE_ONCE"];
    if (once) {
      const [transport = "archive", verify = "no"] = once.split(":");
      await ours(transport, verify);
      console.log(`TRACE-START ${Date.now()}`);
      console.log(`once ${once}: ${(await ours(transport, verify)).toFixed(2)} s`);
      console.log(`TRACE-END ${Date.now()}`);
      return;
    }
    const times: Record<string, number[]> = { rawRsync: [], rawTar: [], rawPlainTar: [], rsync: [], rsyncVerify: [], archive: [], archiveVerify: [] };
    for (let i = 1; i <= 3; i++) {
      times["rawRsync"]?.push(await rawRsync(i));
      times["rsync"]?.push(await ours("rsync", "no"));
      times["rawTar"]?.push(await rawTar(i));
      times["rawPlainTar"]?.push(await rawPlainTar(i));
      times["archive"]?.push(await ours("archive", "no"));
      times["rsyncVerify"]?.push(await ours("rsync", "yes"));
      times["archiveVerify"]?.push(await ours("archive", "yes"));
    }
    const t = (k: string): number[] => times[k] ?? [];
    console.log(`clone benchmark: ${(info.sizeBytes / 1e6).toFixed(0)} MB, ${info.fileCount} entries, a virtual node (network namespace) cloning into a directory over a bridge`);
    console.log(`  raw rsync from a plain rsync daemon:          ${list(t("rawRsync"))} s (best ${best(t("rawRsync")).toFixed(2)})`);
    console.log(`  sysclone clone, rsync, verify=no:             ${list(t("rsync"))} s (best ${best(t("rsync")).toFixed(2)})`);
    console.log(`  raw tar | zstd -1 | zstd -d | tar (no network): ${list(t("rawTar"))} s (best ${best(t("rawTar")).toFixed(2)})`);
    console.log(`  raw tar | tar (no network, no compression):  ${list(t("rawPlainTar"))} s (best ${best(t("rawPlainTar")).toFixed(2)})`);
    // The virtual node's veth reports 10 Gb/s, so its clone asks for plain tar (agent/clone/lib.sh sc_pull_archive).
    console.log(`  sysclone clone, archive (plain tar over the 10 Gb/s veth), verify=no, metadata checked against the manifest: ${list(t("archive"))} s (best ${best(t("archive")).toFixed(2)})`);
    console.log(`  sysclone clone, rsync, verify=yes (sha256 beside the copy): ${list(t("rsyncVerify"))} s (best ${best(t("rsyncVerify")).toFixed(2)})`);
    console.log(`  sysclone clone, archive, verify=yes:          ${list(t("archiveVerify"))} s (best ${best(t("archiveVerify")).toFixed(2)})`);
    console.log(`  clone (rsync) ÷ raw rsync: ${(best(t("rsync")) / best(t("rawRsync"))).toFixed(2)} (goal ≤ 1.15)`);
    console.log(`  clone with the default verify=yes ÷ raw rsync: ${(best(t("rsyncVerify")) / best(t("rawRsync"))).toFixed(2)} (goal ≤ 1.3)`);
    console.log(`  clone (archive) ÷ raw tar | tar: ${(best(t("archive")) / best(t("rawPlainTar"))).toFixed(2)}`);
    console.log(`  archive ÷ rsync transport (first fill): ${(best(t("archive")) / best(t("rsync"))).toFixed(2)} (goal ≤ 0.8); both with verify=yes: ${(best(t("archiveVerify")) / best(t("rsyncVerify"))).toFixed(2)}`);
    console.log(`  verify cost: clone with verify ÷ without: rsync ${(best(t("rsyncVerify")) / best(t("rsync"))).toFixed(2)}, archive ${(best(t("archiveVerify")) / best(t("archive"))).toFixed(2)}`);
    await rawDaemon.stop();
  } finally {
    await server?.close().catch(() => undefined);
    controller.abort();
    store?.close();
    await must("umount", [path.join(home, "targets")]).catch(() => undefined);
    await net.destroy();
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
