import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";

/** tar's flags for an image archive: everything rsync -aHAXS keeps (hard links are tar's default). */
export const archiveCreateArgs = (root: string): string[] => ["-C", root, "-c", "-f", "-", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "--sparse", "."];

export type ArchiveCompression = "zstd" | "none";

export interface ArchiveResult {
  readonly ok: boolean;
  readonly stderr: string;
}

/**
 * An image tree as a tar stream, zstd-compressed (-1, all cores) unless `compress` is "none" (a
 * link faster than the compression). tar writes straight into zstd and zstd (or a plain tar) straight
 * into `sink`: a connected socket (the bytes never pass through this process) or "pipe" (the
 * returned `stream`). The processes stop when `signal` aborts; `done` says how they ended.
 */
export function startArchive(root: string, options: { compress: ArchiveCompression; signal: AbortSignal; sink: "pipe" | Socket }): { stream: Readable | undefined; done: Promise<ArchiveResult> } {
  const { compress, signal, sink } = options;
  const children: ChildProcess[] = [];
  let stderr = "";
  const keepStderr = (child: ChildProcess): void => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr = `${stderr}${chunk}`.slice(-2000);
    });
  };
  const ended = (child: ChildProcess): Promise<number | null> =>
    new Promise((resolve) => {
      child.once("error", (error) => {
        stderr = `${stderr}${error.message}\n`.slice(-2000);
        resolve(-1);
      });
      child.once("close", (code) => resolve(code));
    });
  const tar = spawn("tar", archiveCreateArgs(root), { stdio: ["ignore", compress === "none" ? sink : "pipe", "pipe"] });
  children.push(tar);
  keepStderr(tar);
  const waits = [ended(tar)];
  let last = tar;
  if (compress === "zstd") {
    if (!tar.stdout) throw new Error("archive process has no pipe");
    const zstd = spawn("zstd", ["-q", "-1", "-T0", "-c"], { stdio: [tar.stdout, sink, "pipe"] });
    // This process keeps no end of the pipe between them: a zstd that dies gives tar a broken pipe, not a block.
    tar.stdout.destroy();
    children.push(zstd);
    keepStderr(zstd);
    waits.push(ended(zstd));
    last = zstd;
  }
  const stop = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  };
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  // tar exits 1 when a file changed while it was read; an image version never changes, so anything but 0 is a failure.
  const done = Promise.all(waits).then((codes) => {
    signal.removeEventListener("abort", stop);
    return { ok: codes.every((code) => code === 0), stderr };
  });
  return { stream: sink === "pipe" ? (last.stdout ?? undefined) : undefined, done };
}

/** The archive as a readable stream (for a consumer in this process, or one that is not a plain socket). */
export function streamArchive(root: string, signal: AbortSignal, compress: ArchiveCompression = "zstd"): { stream: Readable; done: Promise<ArchiveResult> } {
  const { stream, done } = startArchive(root, { compress, signal, sink: "pipe" });
  if (!stream) throw new Error("archive process has no pipe");
  return { stream, done };
}
