import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { HashPool, hashFile, sameIdentity, type HashedFile } from "./hasher.js";

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

function typeOf(stats: Stats): ManifestEntry["type"] {
  if (stats.isFile()) return "f";
  if (stats.isDirectory()) return "d";
  if (stats.isSymbolicLink()) return "l";
  if (stats.isCharacterDevice()) return "c";
  if (stats.isBlockDevice()) return "b";
  if (stats.isFIFO()) return "p";
  return "s";
}

export async function readManifest(file: string): Promise<ManifestEntry[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as ManifestEntry);
}

export interface ManifestSources {
  /** The previous version: files hard-linked to it (rsync --link-dest left them unchanged) share its inode, so its hash. */
  readonly previous?: { readonly rootDir: string; readonly entries: readonly ManifestEntry[] };
  /** Hashes taken while the copy ran (TreeHasher), by path relative to the root: used where the file is still the one read. */
  readonly hashed?: ReadonlyMap<string, HashedFile>;
}

/**
 * Walk a captured root. A file's hash comes from the previous version when it is the same inode,
 * from `hashed` when it is the file that was read then, else it is read now (HashPool). The walk
 * itself is synchronous: tens of thousands of lstats from the page cache cost less than the
 * promises an asynchronous walk would make for them.
 */
export async function buildManifest(rootDir: string, sources: ManifestSources = {}): Promise<ManifestResult> {
  const { previous, hashed } = sources;
  const previousByPath = new Map(previous?.entries.map((entry) => [entry.path, entry]) ?? []);
  const entries: ManifestEntry[] = [];
  const files: { entry: Omit<ManifestEntry, "sha256">; hash: Promise<string> }[] = [];
  let sizeBytes = 0;
  let newBytes = 0;
  const hashes = new Map<string, Promise<string>>();
  const pool = new HashPool(rootDir);

  const hashOf = (absolute: string, relative: string, manifestPath: string, stats: Stats): Promise<string> => {
    const old = previousByPath.get(manifestPath);
    if (old?.sha256 && previous) {
      const oldStats = lstatOrUndefined(path.join(previous.rootDir, relative));
      if (oldStats && oldStats.ino === stats.ino && oldStats.dev === stats.dev) return Promise.resolve(old.sha256);
    }
    newBytes += stats.size;
    const early = hashed?.get(relative);
    if (early && sameIdentity(early, stats)) return Promise.resolve(early.sha256);
    return pool.hash(relative, stats).then(async (sum) => {
      if (sum !== undefined) return sum;
      const now = await hashFile(absolute);
      if (!now) throw new Error(`${absolute} vanished or changed while its hash was taken`);
      return now.sha256;
    });
  };

  const visit = (relative: string): void => {
    const absolute = path.join(rootDir, relative);
    const stats = lstatSync(absolute);
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
      files.push({ entry: base, hash });
      return;
    }
    if (type === "l") entries.push({ ...base, target: readlinkSync(absolute) });
    else if (type === "c" || type === "b") entries.push({ ...base, rdev: stats.rdev });
    else entries.push(base);
    if (type === "d") for (const name of readdirSync(absolute)) visit(relative === "" ? name : `${relative}/${name}`);
  };
  visit("");
  // The pool's processes take names until told there are no more; then they finish the last batch.
  const [sums] = await Promise.all([Promise.all(files.map((file) => file.hash)), pool.close()]);
  files.forEach((file, i) => entries.push({ ...file.entry, sha256: sums[i] ?? "" }));
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, sizeBytes, fileCount: entries.length, newBytes };
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

export async function writeManifest(file: string, entries: readonly ManifestEntry[]): Promise<string> {
  const text = entries.map((entry) => JSON.stringify(entry)).join("\n") + "\n";
  await writeFile(file, text);
  return createHash("sha256").update(text).digest("hex");
}
