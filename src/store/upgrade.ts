import { closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import { SyscloneError } from "../errors/errors.js";
import { AuditTable } from "./audit.js";
import { migrations as knownMigrations } from "./migrations.js";
import { PRIVATE_DIR, PRIVATE_FILE } from "./private-files.js";

export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export interface UpgradeResult {
  /** The schema version found, and the one the database is at now. */
  readonly from: number;
  readonly to: number;
  /** The copy taken before migrating (an existing database only). */
  readonly copy?: string;
}

export function newestVersion(list: readonly Migration[] = knownMigrations): number {
  return list.reduce((newest, migration) => Math.max(newest, migration.version), 0);
}

/** Where the copy of a database at `version` goes, beside it: backups/sysclone.db.v8-20260101T060500123Z. */
export function upgradeCopyPath(database: string, version: number, at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, "");
  return path.join(path.dirname(database), "backups", `${path.basename(database)}.v${version}-${stamp}`);
}

/** A database another sysclone wrote with migrations this one does not have: refused before anything touches it. */
export function refuseNewer(current: number, newest: number, what: string): void {
  if (current <= newest) return;
  throw new SyscloneError("DATABASE_TOO_NEW", `${what} is at schema version ${current}, newer than this sysclone knows (${newest}); it was left as it is`, {
    hint: "install the sysclone that wrote it (or a newer one), or restore a backup made by this version: sysclone restore FILE",
  });
}

export function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * A consistent copy at `target`, mode 0600. VACUUM INTO rather than better-sqlite3's backup(), which
 * is asynchronous, and opening the store is not: it writes a transactionally consistent copy while
 * other connections keep reading and writing. SQLite accepts an existing empty file, so it is made
 * 0600 first.
 */
export function copyDatabase(db: Database.Database, target: string): void {
  mkdirSync(path.dirname(target), { recursive: true, mode: PRIVATE_DIR });
  closeSync(openSync(target, "wx", PRIVATE_FILE));
  db.prepare("VACUUM INTO ?").run(target);
}

/**
 * Brings the database to the newest migration. An existing database (user_version above 0) is
 * copied first. The upgrade is atomic: every pending migration and the new user_version commit in
 * one transaction, or none does (a crash or an error leaves the old version, which the next open
 * upgrades again). BEGIN IMMEDIATE, and the version read again inside, so two processes starting
 * at once migrate once.
 */
export function upgradeDatabase(db: Database.Database, file: string, list: readonly Migration[] = knownMigrations, now: Date = new Date()): UpgradeResult {
  const newest = newestVersion(list);
  const found = userVersion(db);
  refuseNewer(found, newest, `the database ${file}`);
  if (found === newest) return { from: found, to: found };
  const copy = found > 0 && file !== ":memory:" ? upgradeCopyPath(file, found, now) : undefined;
  if (copy !== undefined) copyDatabase(db, copy);
  db.transaction(() => {
    const current = userVersion(db);
    for (const migration of [...list].sort((a, b) => a.version - b.version)) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
    const audited = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'").get() !== undefined;
    if (current > 0 && current < newest && audited) {
      new AuditTable(db).add({
        actor: "root",
        via: "cli",
        from: "local",
        action: "upgrade",
        type: "database",
        name: path.basename(file),
        before: { schema: String(current) },
        after: { schema: String(newest), copy: copy ?? "" },
      }, now.toISOString());
    }
  }).immediate();
  return { from: found, to: newest, ...(copy === undefined ? {} : { copy }) };
}
