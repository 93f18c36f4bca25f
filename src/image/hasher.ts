import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { constants, lstatSync, type Stats } from "node:fs";
import { lstat, open } from "node:fs/promises";
import path from "node:path";

/** A file's sha256 with the identity it had while it was read: a later lstat that differs means rehash. */
export interface HashedFile {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** What a stat says about a file, enough to tell whether a hash taken earlier still holds. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

const CHUNK = 1024 * 1024;

/**
 * sha256 of a regular file through one reused buffer (no per-file allocation, so no GC churn over
 * thousands of files). Undefined when it is not a regular file, is gone, or changed while read.
 */
export async function hashFile(file: string, buffer: Buffer = Buffer.allocUnsafe(CHUNK)): Promise<HashedFile | undefined> {
  let handle;
  try {
    // Never open what is not a regular file: a fifo would block, a device could act on the open.
    if (!(await lstat(file)).isFile()) return undefined;
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const before = await handle.stat();
    if (!before.isFile()) return undefined;
    const hash = createHash("sha256");
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
    const after = await handle.stat();
    const identity = { dev: before.dev, ino: before.ino, size: before.size, mtimeMs: before.mtimeMs };
    if (!sameIdentity(identity, after)) return undefined;
    return { ...identity, sha256: hash.digest("hex") };
  } finally {
    await handle.close();
  }
}

interface Pending {
  readonly relative: string;
  readonly identity: FileIdentity;
  readonly resolve: (sha256: string | undefined) => void;
}

const BATCH_FILES = 256;

/**
 * sha256 of many files of one tree through `openssl dgst -sha256` processes (several times faster
 * than hashing in this process: no per-file promises, buffers or GC). A file is queued with the
 * identity an lstat gave; its hash is kept only if a second lstat after the batch gives the same.
 * A batch goes out as soon as a process is free, so the queue never waits on a full batch.
 * Names openssl's output cannot carry (newline, backslash), and everything when openssl is missing,
 * are hashed in this process.
 */
export class HashPool {
  private pending: Pending[] = [];
  private running = 0;
  private openssl = true;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly rootDir: string, private readonly concurrency = 2) {}

  hash(relative: string, identity: FileIdentity): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.pending.push({ relative, identity, resolve });
      this.dispatch();
    });
  }

  /** Resolves once nothing is queued or running. */
  async drained(): Promise<void> {
    while (this.running > 0 || this.pending.length > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private dispatch(): void {
    while (this.running < this.concurrency && this.pending.length > 0) {
      const batch = this.pending.splice(0, BATCH_FILES);
      this.running++;
      this.runBatch(batch).finally(() => {
        this.running--;
        this.dispatch();
        if (this.running === 0 && this.pending.length === 0) for (const wake of this.idle.splice(0)) wake();
      }).catch(() => undefined);
    }
  }

  private async runBatch(batch: readonly Pending[]): Promise<void> {
    const plain = batch.filter((p) => !/[\n\\]/.test(p.relative));
    const sums = this.openssl && plain.length > 0 ? await this.opensslSums(plain.map((p) => p.relative)) : new Map<string, string>();
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (const item of batch) {
      const absolute = path.join(this.rootDir, item.relative);
      const sum = sums.get(item.relative);
      if (sum !== undefined) {
        const after = lstatOrUndefined(absolute);
        item.resolve(after && sameIdentity(item.identity, after) ? sum : undefined);
        continue;
      }
      const now = await hashFile(absolute, buffer).catch(() => undefined);
      item.resolve(now && sameIdentity(item.identity, now) ? now.sha256 : undefined);
    }
  }

  private opensslSums(relatives: readonly string[]): Promise<Map<string, string>> {
    return new Promise((resolve) => {
      const sums = new Map<string, string>();
      const child = spawn("openssl", ["dgst", "-sha256", "-r", ...relatives.map((r) => `./${r}`)], { cwd: this.rootDir, stdio: ["ignore", "pipe", "ignore"] });
      let text = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        text += chunk;
      });
      child.on("error", () => {
        this.openssl = false;
        resolve(sums);
      });
      child.on("close", () => {
        for (const line of text.split("\n")) {
          const match = /^([0-9a-f]{64}) \*\.\/(.*)$/.exec(line);
          if (match?.[1] && match[2] !== undefined) sums.set(match[2], match[1]);
        }
        resolve(sums);
      });
    });
  }
}

/**
 * Hashes files of a tree while something else (rsync) is still writing it: `add` takes a path
 * (relative to the root) as soon as it is named. Results are hints keyed by path: the caller checks
 * each against a fresh lstat (sameIdentity) before trusting it, so a name given too early or a file
 * replaced later costs a rehash, never a wrong hash.
 */
export class TreeHasher {
  private readonly results = new Map<string, HashedFile>();
  private readonly seen = new Set<string>();
  private readonly waiting: Promise<void>[] = [];
  private stopped = false;
  private readonly pool: HashPool;

  constructor(private readonly rootDir: string, concurrency = 2) {
    this.pool = new HashPool(rootDir, concurrency);
  }

  add(relative: string): void {
    if (this.stopped || relative === "" || relative.endsWith("/") || this.seen.has(relative)) return;
    this.seen.add(relative);
    const stats = lstatOrUndefined(path.join(this.rootDir, relative));
    if (!stats?.isFile()) return;
    const identity = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
    this.waiting.push(
      this.pool.hash(relative, identity).then((sha256) => {
        if (sha256 !== undefined) this.results.set(relative, { ...identity, sha256 });
      }),
    );
  }

  /** Wait for every file named so far; the hashes taken, by path. */
  async finish(): Promise<ReadonlyMap<string, HashedFile>> {
    while (this.waiting.length > 0) await Promise.all(this.waiting.splice(0));
    return this.results;
  }

  /** Take no more files (the capture failed) and wait for what runs. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.finish();
  }
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

/** rsync's --out-format %n writes non-printable bytes as \#ooo (octal): back to the name. */
export function unescapeRsyncName(name: string): string {
  if (!name.includes("\\#")) return name;
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of name.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(name.slice(last, match.index), "utf8"), Buffer.from([parseInt(match[1] ?? "0", 8) & 0xff]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(name.slice(last), "utf8"));
  return Buffer.concat(parts).toString("utf8");
}
