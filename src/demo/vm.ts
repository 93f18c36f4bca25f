import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { must } from "../exec/must.js";
import { run } from "../exec/runner.js";

export interface VmRun {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly console: string;
}

export interface VmOptions {
  /** Direct kernel boot; without it the firmware boots: the NIC first (PXE), then the first disk. */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly append?: string;
  /** SeaBIOS (default) or OVMF; OVMF needs `varsFile`, a writable copy of its variable store. */
  readonly firmware?: "bios" | "uefi";
  readonly varsFile?: string;
  readonly disks: readonly string[];
  /** Bridge the VM's NIC joins through a tap device of its own. */
  readonly bridge: string;
  readonly mac: string;
  readonly consoleFile: string;
  readonly timeoutMs: number;
  /** Firmware boot order without a kernel: the NIC first (PXE, the default), or the first disk first. */
  readonly bootFrom?: "network" | "disk";
  /** A guest reboot restarts the VM (firmware again) instead of ending it. */
  readonly allowReboot?: boolean;
  /** false: the NIC has no option ROM (QEMU's are iPXE), so OVMF's own PXE client boots, as on most real boards. */
  readonly nicRom?: boolean;
  /** The machine's DMI (SMBIOS) UUID, as `dmidecode -s system-uuid` shows it. */
  readonly uuid?: string;
  /** An ISO in an IDE CD-ROM drive that boots first (boot media); the NIC and disk follow as bootFrom says. */
  readonly cdrom?: string;
  /** Virtual CPUs (default 1); more than one runs multi-threaded TCG, a host thread each. */
  readonly cpus?: number;
}

export interface RunningVm {
  readonly done: Promise<VmRun>;
  /** Whether qemu has exited (powered off, crashed, or killed). */
  ended(): boolean;
  console(): Promise<string>;
  /** Waits until the console matches, the VM ends, or the time is up; returns the console. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  kill(): Promise<VmRun>;
}

const ovmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const ovmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/** A VM's disk as a bare machine has it: sparse, all zeros, any earlier file of that name gone. */
export async function emptyDisk(file: string, bytes: number): Promise<string> {
  await rm(file, { force: true });
  await writeFile(file, "");
  await truncate(file, bytes);
  return file;
}

/** A fresh copy of OVMF's variable store: every UEFI VM starts with no boot entries of its own. */
export async function freshOvmfVars(file: string): Promise<string> {
  await copyFile(ovmfVars, file);
  return file;
}

async function readConsole(file: string): Promise<string> {
  return (await readFile(file, "utf8").catch(() => "")).replace(/\r/g, "");
}

/** One qemu (TCG) VM — the demo's and the tests' bare machine — with virtio disks and a tap NIC, torn down (tap included) when it ends or is killed. */
export async function startVm(options: VmOptions): Promise<RunningVm> {
  const tap = `sct${randomBytes(3).toString("hex")}`;
  await must("ip", ["tuntap", "add", "dev", tap, "mode", "tap"]);
  await must("ip", ["link", "set", tap, "master", options.bridge, "up"]).catch(async (error: unknown) => {
    await run("ip", ["link", "del", tap]);
    throw error;
  });
  const direct = options.kernel !== undefined;
  const diskFirst = options.bootFrom === "disk";
  const firmware =
    options.firmware === "uefi"
      ? ["-drive", `if=pflash,format=raw,readonly=on,file=${ovmfCode}`, "-drive", `if=pflash,format=raw,file=${options.varsFile ?? ""}`]
      : [];
  const args = [
    "-accel", "tcg", "-m", "1024", "-smp", String(options.cpus ?? 1), "-nographic", "-monitor", "none", "-display", "none",
    ...(options.allowReboot ? [] : ["-no-reboot"]),
    ...(options.uuid ? ["-uuid", options.uuid] : []),
    ...firmware,
    ...(direct ? ["-kernel", options.kernel ?? "", "-initrd", options.initrd ?? "", "-append", options.append ?? ""] : []),
    "-serial", `file:${options.consoleFile}`,
    "-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    "-device", `virtio-net-pci,netdev=n0,mac=${options.mac}${direct ? "" : `,bootindex=${diskFirst ? 2 : 1}`}${options.nicRom === false ? ",romfile=" : ""}`,
    ...(options.cdrom ? ["-drive", `file=${options.cdrom},if=none,id=cd0,media=cdrom,readonly=on`, "-device", "ide-cd,drive=cd0,bootindex=0"] : []),
    ...options.disks.flatMap((disk, i) => ["-drive", `file=${disk},if=none,id=d${i},format=raw`, "-device", `virtio-blk-pci,drive=d${i}${direct || i > 0 ? "" : `,bootindex=${diskFirst ? 1 : 2}`}`]),
  ];
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const done = (async (): Promise<VmRun> => {
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    await run("ip", ["link", "del", tap]);
    const text = await readConsole(options.consoleFile);
    return { code, timedOut, console: stderr ? `${text}\n[qemu stderr] ${stderr}` : text };
  })();
  let ended = false;
  void done.then(() => (ended = true));
  return {
    done,
    ended: () => ended,
    console: () => readConsole(options.consoleFile),
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await readConsole(options.consoleFile);
        if (pattern.test(text) || ended || Date.now() > deadline) return text;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return done;
    },
  };
}

/** A VM run to its end (power-off, or the timeout). */
export async function runVm(options: VmOptions): Promise<VmRun> {
  return (await startVm(options)).done;
}
