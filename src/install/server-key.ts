import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** The server's secret (derives per-install rsync passwords); made on first start, mode 600. */
export async function loadOrCreateServerKey(file: string): Promise<Buffer> {
  try {
    const key = await readFile(file);
    if (key.length >= 32) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await writeFile(file, key, { mode: 0o600, flag: "w" });
  return key;
}
