import { closeSync, existsSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "./names.js";

export interface ImageInfo {
  readonly name: string;
  readonly version: number;
  readonly sourceNode: string;
  readonly capturedAt: string;
  readonly root: string;
  readonly kernels: readonly string[];
  readonly runningKernel: string;
  readonly sizeBytes: number;
  readonly fileCount: number;
  readonly newBytes: number;
  readonly manifestSha256: string;
  readonly excludes: readonly string[];
}

export interface Staging {
  readonly name: string;
  readonly version: number;
  readonly dir: string;
  readonly rootDir: string;
  release(): void;
}

const VERSION_DIR = /^v(\d+)$/;
const STAGING_DIR = /^\.staging-v(\d+)$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** images/<name>/v<N>/{root,layout.xml,image.json,manifest.jsonl}, images/<name>/current -> v<N>. */
export class ImageRepository {
  constructor(readonly dir: string) {}

  imageDir(name: string): string {
    return path.join(this.dir, checkImageName(name));
  }

  versionDir(name: string, version: number): string {
    return path.join(this.imageDir(name), `v${version}`);
  }

  async versions(name: string): Promise<number[]> {
    let entries: string[];
    try {
      entries = await readdir(this.imageDir(name));
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const entry of entries) {
      const match = VERSION_DIR.exec(entry);
      if (match && existsSync(path.join(this.imageDir(name), entry, "image.json"))) out.push(Number(match[1]));
    }
    return out.sort((a, b) => a - b);
  }

  async images(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch {
      return [];
    }
    const names: string[] = [];
    for (const entry of entries.sort()) {
      if (entry.startsWith(".") || entry.endsWith(".exclude") || entry.endsWith(".xml")) continue;
      if ((await this.versions(entry).catch(() => [])).length > 0) names.push(entry);
    }
    return names;
  }

  async currentVersion(name: string): Promise<number | undefined> {
    try {
      const target = await readlink(path.join(this.imageDir(name), "current"));
      const match = VERSION_DIR.exec(target);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  async info(name: string, version: number): Promise<ImageInfo> {
    const file = path.join(this.versionDir(name, version), "image.json");
    return JSON.parse(await readFile(file, "utf8")) as ImageInfo;
  }

  /** Take the image's capture lock, clear what a killed capture left, and make an empty staging version. */
  async beginStaging(name: string): Promise<Staging> {
    const imageDir = this.imageDir(name);
    await mkdir(imageDir, { recursive: true });
    const lockFile = path.join(imageDir, ".lock");
    const release = this.lock(name, lockFile);
    try {
      const entries = await readdir(imageDir);
      let highest = 0;
      for (const entry of entries) {
        const staging = STAGING_DIR.exec(entry);
        if (staging) {
          await rm(path.join(imageDir, entry), { recursive: true, force: true });
          continue;
        }
        const version = VERSION_DIR.exec(entry);
        if (version) highest = Math.max(highest, Number(version[1]));
      }
      const version = highest + 1;
      const dir = path.join(imageDir, `.staging-v${version}`);
      const rootDir = path.join(dir, "root");
      await mkdir(rootDir, { recursive: true, mode: 0o755 });
      return { name, version, dir, rootDir, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  private lock(name: string, lockFile: string): () => void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(lockFile, "wx", 0o644);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return () => {
          try {
            if (readFileSync(lockFile, "utf8") === String(process.pid)) unlinkSync(lockFile);
          } catch {
            /* already gone */
          }
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = Number(readFileSync(lockFile, "utf8").trim());
        if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
          throw new SyscloneError("IMAGE_LOCKED", `osimage ${name} is being captured by process ${holder}`, { hint: "wait for that capture to finish, or stop it" });
        }
        try {
          unlinkSync(lockFile);
        } catch {
          /* raced with another cleaner */
        }
      }
    }
    throw new SyscloneError("IMAGE_LOCKED", `cannot take the capture lock of osimage ${name}`, { hint: `remove ${lockFile} if no capture is running` });
  }

  async discardStaging(staging: Staging): Promise<void> {
    await rm(staging.dir, { recursive: true, force: true });
  }

  /** Staging becomes v<N>, then current flips to it in one rename. */
  async commit(staging: Staging, info: ImageInfo): Promise<string> {
    await writeFile(path.join(staging.dir, "image.json"), `${JSON.stringify(info, null, 2)}\n`);
    const finalDir = this.versionDir(staging.name, staging.version);
    await rename(staging.dir, finalDir);
    await this.switchCurrent(staging.name, staging.version);
    return finalDir;
  }

  async switchCurrent(name: string, version: number): Promise<void> {
    const imageDir = this.imageDir(name);
    const temporary = path.join(imageDir, `.current-${process.pid}`);
    await rm(temporary, { force: true });
    await symlink(`v${version}`, temporary);
    await rename(temporary, path.join(imageDir, "current"));
  }

  /** Keep the newest `retain` versions and always the current one. */
  async prune(name: string, retain: number): Promise<number[]> {
    const versions = await this.versions(name);
    const current = await this.currentVersion(name);
    const keep = new Set(versions.slice(-retain));
    if (current !== undefined) keep.add(current);
    const removed: number[] = [];
    for (const version of versions) {
      if (keep.has(version)) continue;
      await rm(this.versionDir(name, version), { recursive: true, force: true });
      removed.push(version);
    }
    return removed;
  }

  async removeVersion(name: string, version: number): Promise<void> {
    const current = await this.currentVersion(name);
    const versions = await this.versions(name);
    if (!versions.includes(version)) throw new SyscloneError("UNKNOWN_OBJECT", `osimage ${name} has no version ${version}`, { hint: `lsimage ${name} lists its versions` });
    await rm(this.versionDir(name, version), { recursive: true, force: true });
    if (current === version) {
      const remaining = versions.filter((v) => v !== version);
      const newest = remaining[remaining.length - 1];
      if (newest === undefined) await rm(path.join(this.imageDir(name), "current"), { force: true });
      else await this.switchCurrent(name, newest);
    }
  }

  async removeImage(name: string): Promise<void> {
    await rm(this.imageDir(name), { recursive: true, force: true });
  }
}
