import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { SyscloneHome } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import type { DatabaseSummary } from "../store/inspect.js";
import { Store } from "../store/store.js";
import { newestVersion } from "../store/upgrade.js";
import { MANIFEST_NAME, parseManifest, type BackupManifest } from "./manifest.js";
import { DATABASE_NAME } from "./state-files.js";
import { BLOCK, badBackup, padding, parseTarHeader, type TarEntry } from "./tar.js";

export interface RestoreResult {
  readonly file: string;
  readonly manifest: BackupManifest;
  readonly restored: DatabaseSummary["counts"];
  /** Where the home's previous var/ went, when it had one. */
  readonly previous?: string;
}

class TarReader {
  private offset = 0;
  constructor(private readonly handle: FileHandle) {}

  async bytes(length: number, what: string): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, this.offset);
    if (bytesRead !== length) throw badBackup(`it ends inside ${what} (the file is cut short)`);
    this.offset += length;
    return buffer;
  }

  async header(): Promise<TarEntry | "end"> {
    return parseTarHeader(await this.bytes(BLOCK, "a header"));
  }

  /** A member's data, in chunks, then its padding skipped. */
  async *data(entry: TarEntry): AsyncGenerator<Buffer> {
    const chunk = 1 << 20;
    for (let left = entry.size; left > 0; left -= chunk) yield await this.bytes(Math.min(chunk, left), entry.name);
    this.offset += padding(entry.size);
  }
}

/** What the home's database holds: something counts as data to keep (a restore over it needs --force). */
export function homeHolds(home: SyscloneHome, exists: boolean): DatabaseSummary["counts"] | "unreadable" | undefined {
  if (!exists) return undefined;
  try {
    return Store.inspect(home.database).counts;
  } catch {
    return "unreadable";
  }
}

export function describeCounts(counts: DatabaseSummary["counts"]): string {
  const words: [keyof DatabaseSummary["counts"], string][] = [["nodes", "node"], ["groups", "group"], ["osimages", "osimage"], ["image_versions", "image version"], ["users", "user"], ["api_tokens", "token"]];
  const parts = words.filter(([key]) => counts[key] > 0).map(([key, word]) => `${counts[key]} ${word}${counts[key] === 1 ? "" : "s"}`);
  return parts.length === 0 ? "nothing" : parts.join(", ");
}

/** Reads the manifest and every member into `stage`, checking each against the manifest; nothing else is written. */
async function unpack(file: string, stage: string): Promise<BackupManifest> {
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => {
    throw new SyscloneError("USAGE", `cannot read ${file}: ${error.code ?? error.message}`, { hint: "give the path of a file `sysclone backup` wrote" });
  });
  try {
    const reader = new TarReader(handle);
    const first = await reader.header();
    if (first === "end" || first.name !== MANIFEST_NAME) throw badBackup(`its first member is not ${MANIFEST_NAME}`);
    if (first.size > 16 << 20) throw badBackup("its manifest is too large");
    const chunks: Buffer[] = [];
    for await (const chunk of reader.data(first)) chunks.push(chunk);
    const manifest = parseManifest(Buffer.concat(chunks).toString("utf8"));
    const newest = newestVersion();
    if (manifest.schema > newest) {
      throw new SyscloneError("BACKUP_TOO_NEW", `${file} was made by sysclone ${manifest.sysclone} at schema version ${manifest.schema}, newer than this sysclone knows (${newest}); nothing was restored`, { hint: "install that sysclone version (or a newer one) and restore with it" });
    }
    const expected = new Map(manifest.members.map((m) => [m.path, m]));
    for (;;) {
      const entry = await reader.header();
      if (entry === "end") break;
      const member = expected.get(entry.name);
      if (!member) throw badBackup(`it holds ${JSON.stringify(entry.name)}, which its manifest does not list`);
      if (member.size !== entry.size) throw badBackup(`${entry.name} is ${entry.size} bytes, the manifest says ${member.size}`);
      expected.delete(entry.name);
      const relative = entry.name.slice("var/".length);
      const target = path.join(stage, relative);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const out = await open(target, "wx", 0o600);
      const hash = createHash("sha256");
      try {
        for await (const chunk of reader.data(entry)) {
          hash.update(chunk);
          await out.write(chunk);
        }
      } finally {
        await out.close();
      }
      if (hash.digest("hex") !== member.sha256) throw badBackup(`${entry.name} does not match its checksum (the file is damaged)`);
      await chmod(target, member.mode);
    }
    const missing = [...expected.keys()];
    if (missing.length > 0) throw badBackup(`${missing.join(", ")} listed in its manifest ${missing.length === 1 ? "is" : "are"} missing`);
    return manifest;
  } finally {
    await handle.close();
  }
}

/**
 * Brings a backup's state into `home`: the whole file checked (manifest, schema, every checksum, the
 * database sound) into a directory beside var/ before anything of the home changes; then the old
 * var/ renamed aside whole (var.before-restore-TIME: its state, logs and caches, kept) and the new
 * one renamed into place. Two renames: a crash between them leaves no var/ but both beside it.
 * A home whose database holds anything is refused without `force`.
 */
export async function restoreBackup(input: { home: SyscloneHome; file: string; force: boolean; now: Date }): Promise<RestoreResult> {
  const { home } = input;
  const file = path.resolve(input.file);
  const held = homeHolds(home, await stat(home.database).then(() => true, () => false));
  if (held !== undefined && !input.force && (held === "unreadable" || describeCounts(held) !== "nothing")) {
    const what = held === "unreadable" ? "a database this sysclone cannot read" : describeCounts(held);
    throw new SyscloneError("HOME_NOT_EMPTY", `refusing to restore over ${home.home}: it holds ${what}; nothing was changed`, { hint: "restore into a fresh home, or add --force to replace its state (the current var/ is kept as var.before-restore-TIME)" });
  }
  await mkdir(home.home, { recursive: true, mode: 0o755 });
  const stage = await mkdtemp(path.join(home.home, ".var-restore-"));
  let staged = true;
  try {
    const manifest = await unpack(file, stage);
    const summary = Store.inspect(path.join(stage, DATABASE_NAME));
    if (!summary.sound || summary.schema !== manifest.schema) throw badBackup(`its database ${summary.sound ? `is at schema ${summary.schema}, the manifest says ${manifest.schema}` : "fails SQLite's check"}`);
    await chmod(stage, 0o700);
    // An empty var/ (or one with only the lock the restore holds) is not worth keeping aside.
    const kept = await readdir(home.state).then((names) => names.filter((name) => name !== "serve.lock"), () => undefined);
    if (kept !== undefined && kept.length === 0) await rm(home.state, { recursive: true, force: true });
    const hadState = kept !== undefined && kept.length > 0;
    const previous = hadState ? `${home.state}.before-restore-${input.now.toISOString().replace(/[-:.]/g, "")}` : undefined;
    if (previous !== undefined) await rename(home.state, previous);
    try {
      await rename(stage, home.state);
      staged = false;
    } catch (error) {
      if (previous !== undefined) await rename(previous, home.state);
      throw error;
    }
    if (previous !== undefined) await rm(path.join(previous, "serve.lock"), { force: true });
    return { file, manifest, restored: summary.counts, ...(previous === undefined ? {} : { previous }) };
  } finally {
    if (staged) await rm(stage, { recursive: true, force: true });
  }
}
