import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";

export interface VmRun {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly console: string;
}

export interface VmOptions {
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
  readonly disks: readonly string[];
  /** Bridge the VM's NIC joins through a tap device of its own. */
  readonly bridge: string;
  readonly mac: string;
  readonly consoleFile: string;
  readonly timeoutMs: number;
}

/** One qemu (TCG) VM booting a kernel and initrd, with virtio disks and a tap NIC; torn down when it ends. */
export async function runVm(options: VmOptions): Promise<VmRun> {
  const tap = `sct${randomBytes(3).toString("hex")}`;
  await must("ip", ["tuntap", "add", "dev", tap, "mode", "tap"]);
  try {
    await must("ip", ["link", "set", tap, "master", options.bridge, "up"]);
    const args = [
      "-accel", "tcg", "-m", "1024", "-smp", "1", "-nographic", "-no-reboot", "-monitor", "none", "-display", "none",
      "-kernel", options.kernel, "-initrd", options.initrd, "-append", options.append,
      "-serial", `file:${options.consoleFile}`,
      "-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=n0,mac=${options.mac}`,
      ...options.disks.flatMap((disk) => ["-drive", `file=${disk},if=virtio,format=raw`]),
    ];
    const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    const console = (await readFile(options.consoleFile, "utf8").catch(() => "")).replace(/\r/g, "");
    return { code, timedOut, console: stderr ? `${console}\n[qemu stderr] ${stderr}` : console };
  } finally {
    await run("ip", ["link", "del", tap]);
  }
}
