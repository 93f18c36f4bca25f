import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startServer } from "../server/main.js";
import { checkoutRoot, resolveHome } from "../src/config/paths.js";
import { createDebianGoldenClient, debianGoldenLayout, debianGoldenTarball } from "../src/demo/debian-golden.js";
import { createProvisioningNetwork } from "../src/demo/virtual-nodes.js";
import { emptyDisk, startVm } from "../src/demo/vm.js";
import { SupervisedDaemon } from "../src/exec/daemon.js";
import { must } from "../src/exec/must.js";
import { ImageRepository } from "../src/image/repository.js";
import { Store } from "../src/store/store.js";
import { cli, seconds } from "./helpers.js";

const GiB = 1024 * 1024 * 1024;

/** Virtual CPUs of every VM of the run, floor and chain alike (BENCH_VM_CPUS; default 1). */
const benchCpus = Math.max(1, Number(process.env["BENCH_VM_CPUS"] ?? "1") || 1);

/** BENCH_VM_TIMELINE: a console's lines, each with the second (after power-on) it was first seen; inert when unset. */
function consoleTimeline(file: string | undefined): { see(text: string, now: number): void; write(): Promise<void> } {
  const lines: string[] = [];
  return {
    see(text, now) {
      if (!file) return;
      const seen = text.split("\n");
      for (let i = lines.length; i < seen.length - 1; i++) lines.push(`${now.toFixed(2).padStart(7)} ${seen[i] ?? ""}`);
    },
    async write() {
      if (file) await writeFile(file, `${lines.join("\n")}\n`);
    },
  };
}

/**
 * A VM powered on from `disk` (straight from it, or through PXE) until Debian's login prompt: each poll's
 * console goes to `timeline` and `watch`, timed from `start`. The time of the poll that saw the prompt, or
 * undefined with the console when the VM ended without one.
 */
async function bootToLogin(options: {
  disk: string; bootFrom: "disk" | "network"; bridge: string; consoleFile: string; start: bigint;
  timeline: ReturnType<typeof consoleTimeline>; watch?: (text: string, now: number) => void;
}): Promise<{ login: number } | { login: undefined; console: string }> {
  const boot = await startVm({ cpus: benchCpus, firmware: "bios", bootFrom: options.bootFrom, disks: [options.disk], bridge: options.bridge, mac: "52:54:00:be:00:01", consoleFile: options.consoleFile, timeoutMs: 600_000 });
  try {
    for (;;) {
      const now = seconds(options.start);
      const text = await boot.console();
      options.timeline.see(text, now);
      options.watch?.(text, now);
      if (/\S login: /.test(text)) return { login: now };
      if (boot.ended()) return { login: undefined, console: text };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await boot.kill();
    await options.timeline.write();
  }
}

/**
 * One bare VM's whole chain — power-on, PXE, iPXE, the clone, the reboot, /boot sending it to its
 * disk, Debian's first boot reporting `booted` — against the floor in the same run: the same VM
 * booted with -kernel/-initrd (the clone kernel and drivers) straight into mkfs and a plain rsync
 * of the same image from a plain rsync daemon, then powered off.
 * For finding where the time goes: BENCH_VM_ONLY=chain|floor runs one side; BENCH_VM_VERIFY=no clones with
 * verify=no; BENCH_VM_TIMELINE=FILE writes the chain's console lines (FILE.floor: the floor's boot from
 * its disk), each with the second it was first seen; BENCH_VM_DISK_TIMELINE=FILE then powers the chain's disk on
 * in a fresh VM twice, from its disk and through PXE (FILE.disk, FILE.network), to compare with the chain's reboot.
 * BENCH_VM_CPUS=N gives every VM of the run (floor and chain alike) N virtual CPUs (default 1).
 */
export async function benchVm(): Promise<void> {
  const tarball = await debianGoldenTarball();
  const home = await mkdtemp(path.join(tmpdir(), "sysclone-bench-"));
  const golden = await createDebianGoldenClient(tarball, cli(home, "sysclone", ["keys"]).trim());
  const net = await createProvisioningNetwork();
  const controller = new AbortController();
  let store: Store | undefined;
  try {
    const subnet = net.serverAddress.replace(/\.1$/, "");
    const layout = path.join(home, "layout.xml");
    await writeFile(layout, debianGoldenLayout("bios"));
    cli(home, "mkdef", ["golden", `ip=${golden.address}`]);
    cli(home, "imgcapture", ["golden", "-t", "sysclone", "-o", "benchimg", "--root", golden.root, "--layout", layout]);
    cli(home, "chdef", ["-t", "osimage", "benchimg", "postscripts=efibootloader,update_network", ...(process.env["BENCH_VM_VERIFY"] === "no" ? ["verify=no"] : [])]);
    cli(home, "sysclone", ["initrd", "build", "benchimg"]);
    cli(home, "mkdef", ["bench01", "mac=52:54:00:be:00:01", `ip=${subnet}.21`, "hostname=bench01.bench", "nicmode=dhcp", "osimage=benchimg"]);
    const paths = resolveHome({ SYSCLONE_HOME: home });
    const imageRoot = path.join(paths.images, "benchimg", "v1", "root");
    const netboot = path.join(paths.images, "benchimg", "netboot");
    const info = JSON.parse(await readFile(path.join(paths.images, "benchimg", "v1", "image.json"), "utf8")) as { sizeBytes: number; fileCount: number };
    store = Store.open(paths.database);
    const server = await startServer({
      home: paths, store, repository: new ImageRepository(paths.images), host: net.serverAddress, port: 18380, url: `http://${net.serverAddress}:18380`,
      rsyncPort: 18390, maxConnections: 16, signal: controller.signal, log: () => undefined,
      dhcp: { interface: net.bridge, mode: "full", range: `${subnet}.100,${subnet}.150,255.255.255.0` }, retrySeconds: 5,
    });
    const rawConf = path.join(home, "raw-rsyncd.conf");
    await writeFile(rawConf, `use chroot = yes\nnumeric ids = yes\nuid = root\ngid = root\n[raw]\n  path = ${imageRoot}\n  read only = yes\n`);
    const rawDaemon = new SupervisedDaemon({ name: "raw rsyncd", command: "rsync", args: ["--daemon", "--no-detach", `--config=${rawConf}`, `--address=${net.serverAddress}`, "--port=18391"], signal: controller.signal, log: () => undefined });
    // The floor's initrd: ours, decompressed, with a second cpio appended whose /init replaces ours (the kernel unpacks both; the later wins).
    const floorDir = path.join(home, "floor");
    await mkdir(floorDir);
    await copyFile(path.join(checkoutRoot(), "bench", "vm-floor-init.sh"), path.join(floorDir, "init"));
    await must("chmod", ["755", path.join(floorDir, "init")]);
    const floorInitrd = path.join(home, "floor-initrd.img");
    await must("sh", ["-c", 'zstd -qdc "$1" > "$3" && (cd "$2" && echo init | cpio -o -H newc --quiet -R 0:0) >> "$3"', "sh", path.join(netboot, "initrd.img"), floorDir, floorInitrd]);

    /** Times (s after power-on) at which each mark was first seen, by polling every 250 ms as the chain is polled. */
    const marks = new Map<string, number>();
    const mark = (name: string, at: number): void => {
      if (!marks.has(name)) marks.set(name, at);
    };
    const floorMarks = new Map<string, number>();
    const floor = async (): Promise<number> => {
      const disk = await emptyDisk(path.join(home, "floor.img"), 2 * GiB);
      const start = process.hrtime.bigint();
      const install = await startVm({
        cpus: benchCpus,
        kernel: path.join(netboot, "kernel"), initrd: floorInitrd, append: `console=ttyS0 quiet floor.ip=${subnet}.21/24 floor.source=rsync://${net.serverAddress}:18391/raw/`,
        disks: [disk], bridge: net.bridge, mac: "52:54:00:be:00:01", consoleFile: path.join(home, "floor.console"), timeoutMs: 900_000,
      });
      for (;;) {
        const now = seconds(start);
        for (const m of (await install.console()).matchAll(/^floor: (\w+)/gm)) if (m[1] && !floorMarks.has(m[1])) floorMarks.set(m[1], now);
        if (install.ended()) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const run = await install.done;
      if (!run.console.includes("floor: done")) throw new Error(`the floor VM failed:\n${run.console.slice(-3000)}`);
      floorMarks.set("off", seconds(start));
      // The same VM powered on again, from its disk, to Debian's login prompt.
      const timelineFile = process.env["BENCH_VM_TIMELINE"];
      const booted = await bootToLogin({
        disk, bootFrom: "disk", bridge: net.bridge, consoleFile: path.join(home, "floor-boot.console"), start,
        timeline: consoleTimeline(timelineFile ? `${timelineFile}.floor` : undefined),
        watch: (text, now) => {
          if (!floorMarks.has("kernel") && /Linux version|Booting Linux|Loading Linux/.test(text)) floorMarks.set("kernel", now);
        },
      });
      if (booted.login === undefined) throw new Error(`the floor's disk did not boot:\n${booted.console.slice(-3000)}`);
      return booted.login;
    };
    const chain = async (): Promise<{ total: number; login: number }> => {
      cli(home, "nodeset", ["bench01", "osimage=benchimg"]);
      const since = Math.max(0, ...(store?.events({ limit: 1 }).map((e) => e.id) ?? []));
      const start = process.hrtime.bigint();
      const vm = await startVm({ cpus: benchCpus, firmware: "bios", disks: [await emptyDisk(path.join(home, "bench01.img"), 2 * GiB)], bridge: net.bridge, mac: "52:54:00:be:00:01", consoleFile: path.join(home, "bench01.console"), timeoutMs: 1_500_000, allowReboot: true });
      const timeline = consoleTimeline(process.env["BENCH_VM_TIMELINE"]);
      try {
        let login = 0;
        for (;;) {
          const now = seconds(start);
          const text = await vm.console();
          timeline.see(text, now);
          const events = (store?.events({ node: "bench01", limit: 200 }) ?? []).filter((e) => e.id > since).reverse();
          if (events.length > 0) mark("first request", now);
          for (const e of events) mark(e.kind === "progress" ? (typeof e.data["phase"] === "string" ? e.data["phase"] : "?") : e.kind, now);
          if (marks.has("finish") && !login && /\S login: /.test(text)) {
            login = now;
            mark("login", now);
          }
          const state = store?.getObject("node", "bench01")?.["state"];
          if (state === "booted") return { total: now, login: login || now };
          if (state === "failed" || vm.ended()) throw new Error(`the PXE chain failed (state ${state ?? "?"}):\n${(await vm.console()).slice(-3000)}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } finally {
        await vm.kill();
        await timeline.write();
      }
    };

    const floorTime = process.env["BENCH_VM_ONLY"] === "chain" ? 0 : await floor();
    const ours = process.env["BENCH_VM_ONLY"] === "floor" ? { total: 0, login: 0 } : await chain();
    const diskTimeline = process.env["BENCH_VM_DISK_TIMELINE"];
    for (const bootFrom of diskTimeline && ours.total > 0 ? (["disk", "network"] as const) : []) {
      // The chain's disk powered on again by a fresh VM, from its disk (no iPXE) or through PXE (/boot says local disk): where its boot differs from the chain's reboot.
      await bootToLogin({
        disk: path.join(home, "bench01.img"), bootFrom, bridge: net.bridge, consoleFile: path.join(home, `${bootFrom}-boot.console`),
        start: process.hrtime.bigint(), timeline: consoleTimeline(`${diskTimeline ?? ""}.${bootFrom}`),
      });
    }
    /** Each seen mark's label and the time from it to the next seen mark (the last: to `end`), in the given order. */
    const phases = (seen: ReadonlyMap<string, number>, order: readonly [string, string][], end: number): string => {
      const points = order.filter(([key]) => key === "power-on" || seen.has(key)).map(([key, label]) => ({ label, at: key === "power-on" ? 0 : (seen.get(key) ?? 0) }));
      return points.map((p, i) => `${p.label} ${((points[i + 1]?.at ?? end) - p.at).toFixed(1)} s`).join(", ");
    };
    console.log(`vm benchmark: ${(info.sizeBytes / 1e6).toFixed(0)} MB Debian, ${info.fileCount} entries, one qemu VM (TCG, ${benchCpus} vCPU${benchCpus > 1 ? "s" : ""}, SeaBIOS) with an empty 2 GiB disk; marks polled every 250 ms`);
    console.log(`  floor: -kernel/-initrd straight into sfdisk, mkfs, a plain rsync daemon pull, fstab, grub-install + update-grub in a chroot, power-off; the same VM powered on from its disk to Debian's login prompt: ${floorTime.toFixed(1)} s`);
    console.log(`    ${phases(floorMarks, [["power-on", "kernel+initrd boot"], ["partition", "partition"], ["mkfs", "mkfs+mount"], ["rsync", "rsync"], ["bootloader", "fstab+grub"], ["done", "sync+power-off"], ["off", "power-on from disk: firmware+grub to kernel"], ["kernel", "Debian boot to login"]], floorTime)}`);
    console.log(`  sysclone: power-on → PXE → clone → reboot → local disk → Debian reports booted: ${ours.total.toFixed(1)} s (login prompt at ${ours.login.toFixed(1)} s)`);
    console.log(`    ${phases(marks, [["power-on", "firmware+DHCP+iPXE to /boot"], ["first request", "/boot"], ["token", "kernel+initrd download, initrd start to its plan"], ["plan", "plan to the first step"], ["check", "check"], ["wipe", "wipe"], ["partition", "partition"], ["mkfs", "mkfs"], ["mount", "mount"], ["pull", "rsync (hashing beside it)"], ["repair", "repair"], ["verify", "verify"], ["refetch", "refetch"], ["overrides", "overrides"], ["fstab", "fstab"], ["postscripts", "postscripts (grub, network)"], ["firstboot", "firstboot"], ["unmount", "unmount to finish"], ["finish", "reboot, firmware, iPXE's local boot, Debian to login"], ["login", "login prompt to booted reported"]], ours.total)}`);
    if (floorTime > 0) console.log(`  chain ÷ floor: power-on → booted ${(ours.total / floorTime).toFixed(2)} (goal ≤ 1.3); power-on → login prompt, both judged alike ${(ours.login / floorTime).toFixed(2)}`);
    await rawDaemon.stop();
    await server.close();
  } finally {
    controller.abort();
    store?.close();
    await net.destroy();
    await golden.destroy();
    await rm(home, { recursive: true, force: true });
  }
}
