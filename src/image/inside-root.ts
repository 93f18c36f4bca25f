import type { Stats } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";

/** What a path inside an image names once its symlinks are followed as if chrooted: a real path under the root. */
export interface InsidePath {
  /** The path on this host, under the root, with no symlink in it. */
  readonly hostPath: string;
  /** The same path as the image sees it ("/usr/lib/modules/6.1"). */
  readonly imagePath: string;
  readonly stats: Stats;
}

const MAX_LINKS = 40;

const components = (text: string): string[] => text.split("/").filter((part) => part !== "" && part !== ".");

const printable = (text: string): string => JSON.stringify(text);

function escapes(root: string, wanted: string, how: string): SyscloneError {
  return new SyscloneError("IMAGE_PATH_ESCAPES", `${printable(wanted)} in the image at ${root} ${how}; refused`, {
    hint: "fix that symlink in the golden client and capture again, or give the files explicitly (sysclone initrd build IMAGE --kernel FILE --modules DIR)",
  });
}

/**
 * Follow `wanted` inside an image's root the way the image itself would (an absolute symlink starts
 * again at the root), one component at a time, never through a path of this host. A ".." above the
 * root is refused, as is a chain of more than 40 links. Undefined when nothing is there.
 */
export async function resolveInsideRoot(root: string, wanted: string): Promise<InsidePath | undefined> {
  let pending = components(wanted);
  let resolved: string[] = [];
  // The root itself is this host's path, trusted as given; everything below it is the image's.
  const at = (parts: readonly string[]): Promise<Stats> => (parts.length === 0 ? stat(root) : lstat(path.join(root, ...parts)));
  let stats = await at(resolved);
  let links = 0;
  while (pending.length > 0) {
    const [name, ...rest] = pending as [string, ...string[]];
    pending = rest;
    if (name === "..") {
      if (resolved.length === 0) throw escapes(root, wanted, "leads above the image's root");
      resolved = resolved.slice(0, -1);
      stats = await at(resolved);
      continue;
    }
    if (!stats.isDirectory()) return undefined;
    try {
      stats = await lstat(path.join(root, ...resolved, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
    if (stats.isSymbolicLink()) {
      links++;
      if (links > MAX_LINKS) throw escapes(root, wanted, `goes through more than ${MAX_LINKS} symlinks`);
      const target = await readlink(path.join(root, ...resolved, name));
      if (target.startsWith("/")) resolved = [];
      pending = [...components(target), ...pending];
      stats = await at(resolved);
      continue;
    }
    resolved = [...resolved, name];
  }
  return { hostPath: path.join(root, ...resolved), imagePath: `/${resolved.join("/")}`, stats };
}

/**
 * Copy the regular files of a directory of the image into `destination`, each symlink followed
 * inside the root. A symlink to a directory, or one that leads nowhere, is left out (a kernel's
 * `build` and `source` links to its headers); one that leads out of the root is refused.
 */
export async function copyTreeInsideRoot(root: string, directory: InsidePath, destination: string): Promise<number> {
  let copied = 0;
  const walk = async (imageDir: string, hostDir: string, out: string): Promise<void> => {
    await mkdir(out, { recursive: true, mode: 0o755 });
    for (const name of (await readdir(hostDir)).sort()) {
      const entry = await lstat(path.join(hostDir, name));
      if (entry.isDirectory()) {
        await walk(path.posix.join(imageDir, name), path.join(hostDir, name), path.join(out, name));
        continue;
      }
      const file = entry.isSymbolicLink() ? await resolveInsideRoot(root, path.posix.join(imageDir, name)) : { hostPath: path.join(hostDir, name), stats: entry };
      if (file === undefined || !file.stats.isFile()) continue;
      await copyFile(file.hostPath, path.join(out, name));
      copied++;
    }
  };
  await walk(directory.imagePath, directory.hostPath, destination);
  return copied;
}
