import { mkdir } from "node:fs/promises";
import { SyscloneError } from "../../errors/errors.js";
import { run } from "../../exec/runner.js";
import { parseProbe, type Probe } from "./disk.js";

async function succeeds(command: string, args: readonly string[]): Promise<void> {
  const result = await run(command, args);
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderrTail.trim()}`);
}

/**
 * Loop devices and read-only mounts of one import, undone in reverse order by `release` whatever
 * happened (also after a failure): no loop device or mount outlives the import.
 */
export class ImportDevices {
  private readonly undo: { what: string; step: () => Promise<void> }[] = [];

  constructor(private readonly signal?: AbortSignal) {}

  private async must(command: string, args: readonly string[], what: string): Promise<string> {
    const result = await run(command, args, this.signal ? { signal: this.signal } : {});
    if (result.exitCode !== 0) {
      throw new SyscloneError("IMPORT_FAILED", `${what}: ${command} failed (exit ${result.exitCode ?? result.signal ?? "?"}): ${result.stderrTail.trim().split("\n").slice(-2).join(" | ")}`, {
        hint: "nothing was written to the repository; see the message, then run imgimport again",
      });
    }
    return result.stdoutTail;
  }

  /** A read-only loop device over bytes [offset, offset+size) of the file (the host kernel parses no partition tables). */
  async attach(file: string, offset: number, size: number, what: string): Promise<string> {
    const device = (await this.must("losetup", ["--read-only", "--find", "--show", "--offset", String(offset), "--sizelimit", String(size), file], `attaching ${what}`)).trim();
    this.undo.push({ what: `detach ${device}`, step: () => succeeds("losetup", ["--detach", device]) });
    return device;
  }

  /** What blkid finds on a device, probing the device itself (no cache). */
  async probe(device: string): Promise<Probe> {
    const result = await run("blkid", ["--probe", "--output", "export", device]);
    // Exit 2: no signature at all.
    if (result.exitCode === 2) return { type: "", uuid: "", label: "" };
    if (result.exitCode !== 0) throw new SyscloneError("IMPORT_FAILED", `blkid could not probe ${device}: ${result.stderrTail.trim()}`);
    return parseProbe(result.stdoutTail);
  }

  /** Mounts read-only without replaying a journal (the image stays as it is). */
  async mountReadOnly(device: string, fs: string, at: string): Promise<void> {
    await mkdir(at, { recursive: true, mode: 0o700 });
    const options = fs === "xfs" ? "ro,norecovery,nouuid" : fs === "ext3" || fs === "ext4" ? "ro,noload" : "ro";
    await this.must("mount", ["-t", fs, "-o", options, device, at], `mounting ${device} (${fs})`);
    this.undo.push({ what: `unmount ${at}`, step: () => succeeds("umount", [at]) });
  }

  /** Undo everything, newest first; returns what could not be undone (empty when all is clean). */
  async release(): Promise<string[]> {
    const failed: string[] = [];
    for (const { what, step } of this.undo.splice(0).reverse()) {
      try {
        await step();
      } catch {
        failed.push(what);
      }
    }
    return failed;
  }
}
