import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
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
/** A version on its way out: renamed in one step, then deleted; a killed deletion leaves only this. */
const DELETING_DIR = /^\.deleting-v(\d+)$/;
/** A whole image on its way out, in the repository's top directory, with the pid of its remover. */
const DELETING_IMAGE = /^\.deleting-(.+)-(\d+)$/;
/** Image trees keep the golden client's owners and modes (its shadow may be readable by a local group): only we may enter. */
const PRIVATE_DIR = 0o700;

export interface PruneResult {
  readonly removed: readonly number[];
  /** Versions retention would remove but live installs still read: removed by a later capture. */
  readonly deferred: readonly number[];
}

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

  /** Make the repository and an image's directory, private (0700), and tighten them if they exist. */
  private ensureImageDir(name: string): string {
    const imageDir = this.imageDir(name);
    for (const dir of [this.dir, imageDir]) {
      mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
      chmodSync(dir, PRIVATE_DIR);
    }
    return imageDir;
  }

  /**
   * Take the image's lock (held by a capture and by rmimage), then clear what a killed one left:
   * staging copies, versions renamed for deletion, and versions never made current (a capture
   * killed between its rename and its switch). Returns the release.
   */
  async lockImage(name: string): Promise<() => void> {
    const imageDir = this.ensureImageDir(name);
    const release = this.lock(name, path.join(imageDir, ".lock"));
    try {
      await this.clearLeftovers(name);
      return release;
    } catch (error) {
      release();
      throw error;
    }
  }

  private async clearLeftovers(name: string): Promise<void> {
    const imageDir = this.imageDir(name);
    const current = (await this.currentVersion(name)) ?? 0;
    for (const entry of await readdir(imageDir)) {
      const version = VERSION_DIR.exec(entry);
      if (STAGING_DIR.test(entry) || DELETING_DIR.test(entry)) await rm(path.join(imageDir, entry), { recursive: true, force: true });
      else if (version && Number(version[1]) > current) await this.purge(path.join(imageDir, entry), path.join(imageDir, `.deleting-${entry}`));
    }
    for (const entry of await readdir(this.dir)) {
      const image = DELETING_IMAGE.exec(entry);
      if (image && image[1] === name && !processAlive(Number(image[2]))) await rm(path.join(this.dir, entry), { recursive: true, force: true });
    }
  }

  /** Take the image's lock, clear what a killed capture left, and make an empty staging version. */
  async beginStaging(name: string): Promise<Staging> {
    const release = await this.lockImage(name);
    try {
      const imageDir = this.imageDir(name);
      const highest = Math.max(0, ...(await readdir(imageDir)).map((entry) => Number(VERSION_DIR.exec(entry)?.[1] ?? 0)));
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
        const fd = openSync(lockFile, "wx", 0o600);
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
          throw new SyscloneError("IMAGE_LOCKED", `osimage ${name} is locked by process ${holder} (a capture or rmimage)`, { hint: "wait for it to finish, or stop it" });
        }
        try {
          unlinkSync(lockFile);
        } catch {
          /* raced with another cleaner */
        }
      }
    }
    throw new SyscloneError("IMAGE_LOCKED", `cannot take the lock of osimage ${name}`, { hint: `remove ${lockFile} if no capture or rmimage is running` });
  }

  /** Remove a staging copy, and its version if it was published but never made current. */
  async discardStaging(staging: Staging): Promise<void> {
    await rm(staging.dir, { recursive: true, force: true });
    const published = this.versionDir(staging.name, staging.version);
    if (existsSync(published) && (await this.currentVersion(staging.name)) !== staging.version) {
      await this.purge(published, path.join(this.imageDir(staging.name), `.deleting-v${staging.version}`));
    }
  }

  /** Staging becomes v<N> (complete, not yet current): a killed capture leaves it for the next one to remove. */
  async publish(staging: Staging, info: ImageInfo): Promise<string> {
    await writeFile(path.join(staging.dir, "image.json"), `${JSON.stringify(info, null, 2)}\n`);
    const finalDir = this.versionDir(staging.name, staging.version);
    await rename(staging.dir, finalDir);
    return finalDir;
  }

  /** Staging becomes v<N>, then current flips to it in one rename. */
  async commit(staging: Staging, info: ImageInfo): Promise<string> {
    const finalDir = await this.publish(staging, info);
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

  /** Rename out of the listing in one step, then delete: never a half-deleted directory under its own name. */
  private async purge(dir: string, aside: string, beforeDelete?: () => void): Promise<void> {
    await rm(aside, { recursive: true, force: true });
    await rename(dir, aside);
    beforeDelete?.();
    await rm(aside, { recursive: true, force: true });
  }

  /**
   * Keep the newest `retain` versions and always the current one; versions in `inUse` are kept
   * too (deferred: a later capture removes them). Call with the image's lock held.
   */
  async prune(name: string, retain: number, inUse: ReadonlySet<number> = new Set(), forget?: (version: number) => void): Promise<PruneResult> {
    const versions = await this.versions(name);
    const current = await this.currentVersion(name);
    const keep = new Set(versions.slice(-retain));
    if (current !== undefined) keep.add(current);
    const removed: number[] = [];
    const deferred: number[] = [];
    for (const version of versions) {
      if (keep.has(version)) continue;
      if (inUse.has(version)) {
        deferred.push(version);
        continue;
      }
      await this.purge(this.versionDir(name, version), path.join(this.imageDir(name), `.deleting-v${version}`), () => forget?.(version));
      removed.push(version);
    }
    return { removed, deferred };
  }

  /**
   * Remove one version; when it is the current one, current first moves to the newest other
   * (or goes). `forget` runs once the version is out of sight, before its files are deleted.
   * Call with the image's lock held.
   */
  async removeVersion(name: string, version: number, forget?: () => void): Promise<void> {
    const current = await this.currentVersion(name);
    const versions = await this.versions(name);
    if (!versions.includes(version)) throw new SyscloneError("UNKNOWN_OBJECT", `osimage ${name} has no version ${version}`, { hint: `lsimage ${name} lists its versions` });
    if (current === version) {
      const newest = versions.filter((v) => v !== version).at(-1);
      if (newest === undefined) await rm(path.join(this.imageDir(name), "current"), { force: true });
      else await this.switchCurrent(name, newest);
    }
    await this.purge(this.versionDir(name, version), path.join(this.imageDir(name), `.deleting-v${version}`), forget);
  }

  /** Remove a whole image: its directory leaves the repository in one rename, then is deleted. */
  async removeImage(name: string, forget?: () => void): Promise<void> {
    const imageDir = this.imageDir(name);
    if (!existsSync(imageDir)) {
      forget?.();
      return;
    }
    await this.purge(imageDir, path.join(this.dir, `.deleting-${name}-${process.pid}`), forget);
  }
}
