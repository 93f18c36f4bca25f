import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdtemp, open, readFile, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { SyscloneHome } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { Store } from "../store/store.js";
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, MANIFEST_NAME, manifestText, type BackupManifest, type BackupMember } from "./manifest.js";
import { DATABASE_NAME, stateFiles } from "./state-files.js";
import { BLOCK, padding, tarHeader } from "./tar.js";

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly manifest: BackupManifest;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface Source {
  readonly member: BackupMember;
  readonly file?: string;
  readonly data?: Buffer;
}

async function writeMember(out: FileHandle, source: Source, mtime: number): Promise<void> {
  const { member } = source;
  await out.write(tarHeader({ name: member.path, size: member.size, mode: member.mode, mtime }));
  if (source.data) await out.write(source.data);
  else if (source.file !== undefined) {
    let written = 0;
    for await (const chunk of createReadStream(source.file)) {
      await out.write(chunk as Buffer);
      written += (chunk as Buffer).length;
    }
    if (written !== member.size) throw new SyscloneError("INTERNAL", `${member.path} changed while it was written to the backup`, { hint: "run the backup again" });
  }
  await out.write(Buffer.alloc(padding(member.size)));
}

/**
 * One tar file, mode 0600, written beside `file` and renamed into place: manifest.json first (the
 * sysclone version, the schema version, each member's size, mode and sha256), then the database
 * (SQLite's online backup, consistent while serve keeps writing) and the state files of var/. The
 * images are not in it.
 */
export async function createBackup(input: { home: SyscloneHome; store: Store; file: string; version: string; now: Date }): Promise<BackupResult> {
  const target = path.resolve(input.file);
  const targetInfo = await stat(target).catch(() => undefined);
  if (targetInfo?.isDirectory()) throw new SyscloneError("USAGE", `${target} is a directory`, { hint: "name the backup file to write, e.g. sysclone backup /root/sysclone-$(date +%F).tar" });
  const stage = await mkdtemp(path.join(path.dirname(target), ".sysclone-backup-")).catch((error: NodeJS.ErrnoException) => {
    throw new SyscloneError("USAGE", `cannot write beside ${target}: ${error.code ?? error.message}`, { hint: "name a file in a directory that exists and that you may write" });
  });
  const partial = path.join(stage, "backup.tar");
  try {
    const database = path.join(stage, DATABASE_NAME);
    await input.store.backupTo(database);
    await chmod(database, 0o600);
    const schema = Store.inspect(database).schema;
    const sources: Source[] = [{ member: { path: `var/${DATABASE_NAME}`, size: (await stat(database)).size, mode: 0o600, sha256: await sha256Of(database) }, file: database }];
    for (const relative of await stateFiles(input.home.state)) {
      const file = path.join(input.home.state, relative);
      const data = await readFile(file);
      const mode = (await stat(file)).mode & 0o777;
      sources.push({ member: { path: `var/${relative}`, size: data.length, mode, sha256: createHash("sha256").update(data).digest("hex") }, data });
    }
    const manifest: BackupManifest = { format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION, sysclone: input.version, schema, createdAt: input.now.toISOString(), members: sources.map((s) => s.member) };
    const manifestData = Buffer.from(manifestText(manifest));
    const mtime = Math.floor(input.now.getTime() / 1000);
    const out = await open(partial, "wx", 0o600);
    try {
      await writeMember(out, { member: { path: MANIFEST_NAME, size: manifestData.length, mode: 0o600, sha256: "" }, data: manifestData }, mtime);
      for (const source of sources) await writeMember(out, source, mtime);
      await out.write(Buffer.alloc(2 * BLOCK));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(partial, target);
    return { file: target, bytes: (await stat(target)).size, manifest };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
