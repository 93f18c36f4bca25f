import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** One file the dashboard serves, read once when the server starts. */
export interface DashboardFile {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** URL paths of served files: lower-case words, at most one folder deep (pages/node.js). */
export const FILE_PATTERN = "^[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)?\\.(js|css|svg|html)$";
const filePattern = new RegExp(FILE_PATTERN);

async function walk(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await walk(path.join(dir, entry.name), relative)));
    else if (entry.isFile() && filePattern.test(relative)) found.push(relative);
  }
  return found;
}

/**
 * The files under each directory, by their path below it (`pages/node.js`); a later directory's
 * file of the same name wins. Source maps and anything not matching FILE_PATTERN are left out.
 */
export async function loadDashboardFiles(dirs: readonly string[]): Promise<Map<string, DashboardFile>> {
  const files = new Map<string, DashboardFile>();
  for (const dir of dirs) {
    for (const relative of await walk(dir)) {
      const body = await readFile(path.join(dir, ...relative.split("/")));
      const type = types[path.extname(relative)] ?? "application/octet-stream";
      files.set(relative, { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` });
    }
  }
  return files;
}
