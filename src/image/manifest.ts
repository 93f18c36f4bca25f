import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { lstat, readdir, readlink, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** One line of manifest.jsonl: what later steps verify a clone against. */
export interface ManifestEntry {
  readonly path: string;
  /** f file, d directory, l symlink, c/b device, p fifo, s socket */
  readonly type: "f" | "d" | "l" | "c" | "b" | "p" | "s";
  readonly mode: string;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly sha256?: string;
  readonly target?: string;
  readonly rdev?: number;
}

export interface ManifestResult {
  readonly entries: readonly ManifestEntry[];
  readonly sizeBytes: number;
  readonly fileCount: number;
  /** Bytes of regular files whose inode is not shared with the previous version. */
  readonly newBytes: number;
}

const SMALL_FILE = 4 * 1024 * 1024;

function typeOf(stats: Stats): ManifestEntry["type"] {
  if (stats.isFile()) return "f";
  if (stats.isDirectory()) return "d";
  if (stats.isSymbolicLink()) return "l";
  if (stats.isCharacterDevice()) return "c";
  if (stats.isBlockDevice()) return "b";
  if (stats.isFIFO()) return "p";
  return "s";
}

async function sha256File(file: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  if (size <= SMALL_FILE) return hash.update(await readFile(file)).digest("hex");
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function readManifest(file: string): Promise<ManifestEntry[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as ManifestEntry);
}

/** At most `limit` of the returned function's tasks run at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Walk a captured root. Files hard-linked to the previous version (rsync --link-dest left
 * them unchanged) share its inode, so their hash is taken from the previous manifest.
 * Directories are walked and files hashed concurrently: the walk is latency-bound.
 */
export async function buildManifest(rootDir: string, previous?: { rootDir: string; entries: readonly ManifestEntry[] }): Promise<ManifestResult> {
  const previousByPath = new Map(previous?.entries.map((entry) => [entry.path, entry]) ?? []);
  const entries: ManifestEntry[] = [];
  let sizeBytes = 0;
  let newBytes = 0;
  const hashes = new Map<string, Promise<string>>();
  const io = limiter(32);

  const hashOf = async (absolute: string, relative: string, manifestPath: string, stats: Stats): Promise<string> => {
    const old = previousByPath.get(manifestPath);
    if (old?.sha256 && previous) {
      const oldStats = await io(() => lstat(path.join(previous.rootDir, relative))).catch(() => undefined);
      if (oldStats && oldStats.ino === stats.ino && oldStats.dev === stats.dev) return old.sha256;
    }
    newBytes += stats.size;
    return io(() => sha256File(absolute, stats.size));
  };

  const visit = async (relative: string): Promise<void> => {
    const absolute = path.join(rootDir, relative);
    const stats = await io(() => lstat(absolute));
    const type = typeOf(stats);
    const base = {
      path: relative === "" ? "/" : `/${relative}`,
      type,
      mode: (stats.mode & 0o7777).toString(8).padStart(4, "0"),
      uid: stats.uid,
      gid: stats.gid,
      size: type === "f" ? stats.size : 0,
    };
    if (type === "f") {
      sizeBytes += stats.size;
      const inode = `${stats.dev}:${stats.ino}`;
      let hash = hashes.get(inode);
      if (!hash) {
        hash = hashOf(absolute, relative, base.path, stats);
        hashes.set(inode, hash);
      }
      entries.push({ ...base, sha256: await hash });
      return;
    }
    if (type === "l") entries.push({ ...base, target: await io(() => readlink(absolute)) });
    else if (type === "c" || type === "b") entries.push({ ...base, rdev: stats.rdev });
    else entries.push(base);
    if (type === "d") {
      const names = await io(() => readdir(absolute));
      await Promise.all(names.map((name) => visit(relative === "" ? name : `${relative}/${name}`)));
    }
  };
  await visit("");
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, sizeBytes, fileCount: entries.length, newBytes };
}

export async function writeManifest(file: string, entries: readonly ManifestEntry[]): Promise<string> {
  const text = entries.map((entry) => JSON.stringify(entry)).join("\n") + "\n";
  await writeFile(file, text);
  return createHash("sha256").update(text).digest("hex");
}
