import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatErrorLine, SyscloneError } from "../../../src/errors/errors.js";
import { migrations } from "../../../src/store/migrations.js";
import { Store } from "../../../src/store/store.js";
import { newestVersion, upgradeCopyPath, upgradeDatabase, userVersion } from "../../../src/store/upgrade.js";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sysclone-upgrade-"));
  file = path.join(dir, "var", "sysclone.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const newest = newestVersion(migrations);

/** A database as the previous release left it: only the migrations below the newest, and a node in it. */
function previousLevel(): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const old = new Database(file);
  upgradeDatabase(old, file, migrations.filter((m) => m.version < newest));
  old.prepare("INSERT INTO nodes (name, mac, created_at, updated_at) VALUES ('n01', '52:54:00:00:00:01', 'then', 'then')").run();
  old.close();
}

function sha256(of: string): string {
  return createHash("sha256").update(readFileSync(of)).digest("hex");
}

function versionOf(of: string): number {
  const db = new Database(of, { readonly: true });
  try {
    return userVersion(db);
  } finally {
    db.close();
  }
}

describe("upgrades", () => {
  it("the newest migration is the last one listed, and versions run 1..N without a gap", () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: newest }, (_, i) => i + 1));
  });

  it("a database of the previous migration level opens, migrates, keeps its data, and a 0600 copy at the old level exists first", () => {
    previousLevel();
    expect(versionOf(file)).toBe(newest - 1);
    const lines: string[] = [];
    const store = Store.open(file, (line) => lines.push(line));
    try {
      expect(store.getObject("node", "n01")?.["mac"]).toBe("52:54:00:00:00:01");
      const upgrade = store.audit.list({ type: "database" });
      expect(upgrade.map((r) => [r.action, r.before, r.after?.["schema"]])).toEqual([["upgrade", { schema: String(newest - 1) }, String(newest)]]);
    } finally {
      store.close();
    }
    expect(versionOf(file)).toBe(newest);
    const backups = readdirSync(path.join(dir, "var", "backups"));
    expect(backups).toHaveLength(1);
    const copy = path.join(dir, "var", "backups", backups[0] ?? "");
    expect(backups[0]).toMatch(new RegExp(`^sysclone\\.db\\.v${newest - 1}-\\d{8}T\\d{9}Z$`));
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(versionOf(copy)).toBe(newest - 1);
    const old = new Database(copy, { readonly: true });
    expect(old.prepare("SELECT mac FROM nodes WHERE name = 'n01'").get()).toEqual({ mac: "52:54:00:00:00:01" });
    old.close();
    expect(lines).toEqual([`sysclone: database upgraded from schema ${newest - 1} to ${newest}; the old one is copied to ${copy}`]);
    // Opened again: nothing to do, no second copy.
    Store.open(file, (line) => lines.push(line)).close();
    expect(readdirSync(path.join(dir, "var", "backups"))).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it("a new database is made without a copy", () => {
    Store.open(file).close();
    expect(versionOf(file)).toBe(newest);
    expect(existsSync(path.join(dir, "var", "backups"))).toBe(false);
  });

  it("a database newer than the code is refused with one line, and left untouched", () => {
    Store.open(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${newest + 1}`);
    db.close();
    const before = sha256(file);
    let refusal: unknown;
    try {
      Store.open(file).close();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SyscloneError);
    const error = refusal as SyscloneError;
    expect(error.code).toBe("DATABASE_TOO_NEW");
    expect(formatErrorLine(error)).not.toContain("\n");
    expect(error.message).toContain(`schema version ${newest + 1}, newer than this sysclone knows (${newest})`);
    expect(error.hint).toContain("sysclone restore");
    expect(sha256(file)).toBe(before);
    expect(versionOf(file)).toBe(newest + 1);
    expect(existsSync(path.join(dir, "var", "backups"))).toBe(false);
  });

  it("is atomic: a failing migration leaves the old version and none of the pending migrations applied", () => {
    const db = new Database(":memory:");
    const list = [
      { version: 1, sql: "CREATE TABLE a (x TEXT);" },
      { version: 2, sql: "CREATE TABLE b (x TEXT);" },
      { version: 3, sql: "CREATE TABLE c (x TEXT); INSERT INTO nowhere VALUES (1);" },
    ];
    upgradeDatabase(db, ":memory:", list.slice(0, 1));
    expect(() => upgradeDatabase(db, ":memory:", list)).toThrow(/nowhere/);
    expect(userVersion(db)).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(["a"]);
    db.close();
  });

  it("names the copy by the old version and the time, beside the database", () => {
    expect(upgradeCopyPath("/var/lib/sysclone/var/sysclone.db", 8, new Date("2026-03-04T05:06:07.089Z"))).toBe("/var/lib/sysclone/var/backups/sysclone.db.v8-20260304T050607089Z");
  });
});
