import { chmodSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export interface SyscloneHome {
  readonly home: string;
  readonly images: string;
  readonly overrides: string;
  readonly postscripts: string;
  readonly state: string;
  readonly database: string;
  readonly sshDir: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly clusterXml: string;
}

/** The checkout this code runs from (two levels above src/config or dist/src/config). */
export function checkoutRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const distIndex = parts.lastIndexOf("dist");
  const srcIndex = parts.lastIndexOf("src");
  const cut = distIndex >= 0 ? distIndex : srcIndex;
  return parts.slice(0, cut).join(path.sep) || path.sep;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): SyscloneHome {
  const home = path.resolve(env["SYSCLONE_HOME"] ?? checkoutRoot());
  const state = path.join(home, "var");
  const sshDir = path.join(state, "ssh");
  return {
    home,
    images: path.join(home, "images"),
    overrides: path.join(home, "overrides"),
    postscripts: path.join(home, "postscripts"),
    state,
    database: path.join(state, "sysclone.db"),
    sshDir,
    privateKey: path.join(sshDir, "id_ed25519"),
    publicKey: path.join(sshDir, "id_ed25519.pub"),
    clusterXml: path.join(home, "images", "cluster.xml"),
  };
}

/** The agent scripts ship with the code, wherever SYSCLONE_HOME points. */
export function agentPath(name: string): string {
  return path.join(checkoutRoot(), "agent", name);
}

/** Where postscripts are looked up: the home's own first, then the ones shipped with sysclone. */
export function postscriptDirsOf(home: SyscloneHome): string[] {
  return [...new Set([home.postscripts, path.join(checkoutRoot(), "postscripts")])];
}

/**
 * State and images are private: var/ (the database, keys, logs) and images/ (trees that keep the
 * golden client's owners, so its shadow may be readable by some local group) are made 0700 when
 * missing and tightened when not, with each image's directory. The rsync daemon reads them as root.
 */
export function secureHome(home: SyscloneHome): void {
  if (!existsSync(home.home)) return;
  try {
    for (const dir of [home.state, home.images]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
    for (const entry of readdirSync(home.images, { withFileTypes: true })) {
      if (entry.isDirectory()) chmodSync(path.join(home.images, entry.name), 0o700);
    }
  } catch (error) {
    // Another user's home: only its owner can tighten it, and does on their next command.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  }
}
