import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";

/** The state directory and the database hold tokens' hashes and node secrets: only we may read them. */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

const sidecars = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/**
 * Before SQLite opens it: a missing directory made 0700 (an existing home's var/ is tightened by
 * secureHome, which knows it is ours) and the database file created 0600, so the -wal and -shm
 * files SQLite creates beside it take the same mode.
 */
export function prepareDatabaseFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR });
  closeSync(openSync(file, "a", PRIVATE_FILE));
  tightenDatabaseFiles(file);
}

/** An existing home's database, -wal and -shm become 0600. */
export function tightenDatabaseFiles(file: string): void {
  for (const each of sidecars(file)) if (existsSync(each)) chmodSync(each, PRIVATE_FILE);
}
