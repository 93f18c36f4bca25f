import type { Readable } from "node:stream";
import { execa } from "execa";

/** tar's flags for an image archive: everything rsync -aHAXS keeps (hard links are tar's default). */
export const archiveCreateArgs = (root: string): string[] => ["-C", root, "-c", "-f", "-", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "--sparse", "."];

/**
 * An image tree as a tar stream, zstd-compressed (-1, all cores) unless `compress` is "none" (a
 * link faster than the compression). The processes stop when `signal` aborts (the client went
 * away); `done` says how they ended, for the caller to judge.
 */
export function streamArchive(root: string, signal: AbortSignal, compress: "zstd" | "none" = "zstd"): { stream: Readable; done: Promise<{ ok: boolean; stderr: string }> } {
  const tar = execa("tar", archiveCreateArgs(root), { cancelSignal: signal, reject: false, stdin: "ignore", buffer: { stdout: false, stderr: true } });
  if (compress === "none") {
    if (!tar.stdout) throw new Error("archive process has no pipe");
    // tar exits 1 when a file changed while it was read; an image version never changes, so anything but 0 is a failure.
    const done = tar.then((result) => ({ ok: result.exitCode === 0, stderr: String(result.stderr).slice(-2000) }));
    return { stream: tar.stdout, done };
  }
  const zstd = execa("zstd", ["-q", "-1", "-T0", "-c"], { cancelSignal: signal, reject: false, stdin: "pipe", buffer: { stdout: false, stderr: true } });
  if (!tar.stdout || !zstd.stdin || !zstd.stdout) throw new Error("archive processes have no pipes");
  tar.stdout.pipe(zstd.stdin);
  const done = zstd.then(async (zstdResult) => {
    const tarResult = await tar;
    // tar exits 1 when a file changed while it was read; an image version never changes, so anything but 0 is a failure.
    return { ok: tarResult.exitCode === 0 && zstdResult.exitCode === 0, stderr: `${String(tarResult.stderr)}${String(zstdResult.stderr)}`.slice(-2000) };
  });
  return { stream: zstd.stdout, done };
}
