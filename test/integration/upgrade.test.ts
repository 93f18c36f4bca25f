import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { newestVersion, upgradeDatabase, userVersion } from "../../src/store/upgrade.js";
import { runCli } from "../helpers/cli.js";

const root = mkdtempSync(path.join(tmpdir(), "sysclone-upgrade-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const newest = newestVersion(migrations);

/** A home whose database a sysclone one migration older left, with a node in it. */
function olderHome(name: string, version: number): string {
  const home = path.join(root, name);
  mkdirSync(path.join(home, "var"), { recursive: true, mode: 0o700 });
  const db = new Database(path.join(home, "var", "sysclone.db"));
  upgradeDatabase(db, ":memory:", migrations.filter((m) => m.version <= Math.min(version, newest)));
  db.prepare("INSERT INTO nodes (name, mac, created_at, updated_at) VALUES ('n01', '52:54:00:00:00:01', 'then', 'then')").run();
  if (version > newest) db.pragma(`user_version = ${version}`);
  db.close();
  return home;
}

function versionOf(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return userVersion(db);
  } finally {
    db.close();
  }
}

describe("upgrades at the command line", () => {
  it("the first command after an upgrade copies the database, migrates it and says so; the node is still there", async () => {
    const home = olderHome("older", newest - 1);
    const result = await runCli(home, "nodels", []);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("n01\n");
    const copies = readdirSync(path.join(home, "var", "backups"));
    expect(copies).toHaveLength(1);
    const copy = path.join(home, "var", "backups", copies[0] ?? "");
    expect(result.stderr).toBe(`sysclone: database upgraded from schema ${newest - 1} to ${newest}; the old one is copied to ${copy}\n`);
    expect(versionOf(copy)).toBe(newest - 1);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(versionOf(path.join(home, "var", "sysclone.db"))).toBe(newest);
  });

  it("a database from a newer sysclone is refused with one line and exit 80", async () => {
    const home = olderHome("newer", newest + 1);
    const result = await runCli(home, "nodels", []);
    expect(result.code).toBe(80);
    expect(result.stderr).toBe(`error [DATABASE_TOO_NEW]: the database ${path.join(home, "var", "sysclone.db")} is at schema version ${newest + 1}, newer than this sysclone knows (${newest}); it was left as it is — install the sysclone that wrote it (or a newer one), or restore a backup made by this version: sysclone restore FILE\n`);
    expect(versionOf(path.join(home, "var", "sysclone.db"))).toBe(newest + 1);
  });
});
