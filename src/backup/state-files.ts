import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

export const DATABASE_NAME = "sysclone.db";

/**
 * Which files under var/ are state a backup carries, by their path relative to var/: the keys and
 * settings at its top (signing.key, server.key, secrets.key …) and everything in ssh/. Not the
 * database and its -wal/-shm (copied apart, by SQLite's online backup), locks, temporaries, nor the
 * directories of logs, caches, earlier backups and what serve regenerates at start.
 */
export function isStateFile(relative: string): boolean {
  const parts = relative.split("/");
  const [top, ...rest] = parts;
  if (top === undefined || top === "") return false;
  if (top === "ssh") return rest.length > 0;
  if (rest.length > 0) return false;
  if (top === DATABASE_NAME || top.startsWith(`${DATABASE_NAME}-`)) return false;
  return !/\.(lock|tmp)$/.test(top) && !top.startsWith(".");
}

/** The state files under `varDir`, relative to it, sorted; regular files only (a link is not followed). */
export async function stateFiles(varDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(path.join(varDir, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && (child === "ssh" || child.startsWith("ssh/"))) await walk(child);
      else if (entry.isFile() && isStateFile(child) && (await lstat(path.join(varDir, child))).isFile()) found.push(child);
    }
  }
  await walk("");
  return found.sort();
}
