import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
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

/** Names per `openssl dgst` run: enough that its start-up is noise, few enough that hashing keeps pace with a copy. */
const NAMES_PER_RUN = 128;
const FLUSH_MS = 10;
const FLUSH_BYTES = 16 * 1024;

/**
 * One long-lived `xargs -0 -n N openssl dgst -sha256 -r` in the tree's root: names go in on its
 * stdin as they come, hashes come back on its stdout. Node spawns one process per lane, not one
 * per batch (a fork of this process costs milliseconds of the main thread; a batch per few files
 * was thousands of them). A name it gives no hash for (gone, unreadable, openssl missing) resolves
 * undefined.
 */
class OpensslLane {
  private readonly waiting = new Map<string, ((sha256: string | undefined) => void)[]>();
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<void>;
  private partial = "";
  private dead = false;
  /** Names not yet written: written every FLUSH_MS or at FLUSH_BYTES, not one per name (each pipe write is a syscall and wakes xargs). */
  private unwritten = "";
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(rootDir: string) {
    this.child = spawn("xargs", ["-0", "-r", "-n", String(NAMES_PER_RUN), "openssl", "dgst", "-sha256", "-r"], { cwd: rootDir, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.read(chunk));
    this.child.stderr.resume();
    this.child.stdin.on("error", () => undefined);
    this.exited = new Promise((resolve) => {
      const end = (): void => {
        if (this.dead) return;
        this.dead = true;
        for (const resolvers of this.waiting.values()) for (const give of resolvers) give(undefined);
        this.waiting.clear();
        resolve();
      };
      this.child.on("error", end);
      this.child.on("close", end);
    });
  }

  hash(relative: string): Promise<string | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const resolvers = this.waiting.get(relative);
      if (resolvers) resolvers.push(resolve);
      else this.waiting.set(relative, [resolve]);
      this.unwritten += `./${relative}\0`;
      if (this.unwritten.length >= FLUSH_BYTES) this.flush();
      else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
    });
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.unwritten !== "" && !this.dead) this.child.stdin.write(this.unwritten);
    this.unwritten = "";
  }

  /** No more names: resolves when every name given has its answer. */
  async close(): Promise<void> {
    this.flush();
    if (!this.dead) this.child.stdin.end();
    await this.exited;
  }

  private read(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const match = /^([0-9a-f]{64}) \*\.\/(.*)$/.exec(line);
      if (!match?.[1] || match[2] === undefined) continue;
      const resolvers = this.waiting.get(match[2]);
      const give = resolvers?.shift();
      if (resolvers?.length === 0) this.waiting.delete(match[2]);
      give?.(match[1]);
    }
  }
}

/**
 * sha256 of many files of one tree through `openssl dgst -sha256` (SHA instructions; several times
 * faster than hashing in this process: no per-file promises, buffers or GC), in `concurrency` lanes.
 * A file is given with the identity an lstat gave; its hash is kept only if an lstat after it was
 * read gives the same. Names openssl's output cannot carry (newline, backslash), files it gave no
 * hash for, and everything after close() are hashed in this process.
 */
export class HashPool {
  private lanes: OpensslLane[] | undefined;
  private next = 0;
  private closed = false;

  constructor(private readonly rootDir: string, private readonly concurrency = 2) {}

  async hash(relative: string, identity: FileIdentity): Promise<string | undefined> {
    const absolute = path.join(this.rootDir, relative);
    if (!this.closed && !/[\n\\]/.test(relative)) {
      const lanes = (this.lanes ??= Array.from({ length: Math.max(1, this.concurrency) }, () => new OpensslLane(this.rootDir)));
      const lane = lanes[this.next++ % lanes.length];
      const sum = await lane?.hash(relative);
      if (sum !== undefined) {
        const after = lstatOrUndefined(absolute);
        return after && sameIdentity(identity, after) ? sum : undefined;
      }
    }
    const now = await hashFile(absolute).catch(() => undefined);
    return now && sameIdentity(identity, now) ? now.sha256 : undefined;
  }

  /** No more files: resolves once every file given has its answer. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all((this.lanes ?? []).map((lane) => lane.close()));
  }
}

/**
 * Hashes files of a tree while something else (rsync) is still writing it: `add` takes a path
 * (relative to the root) as rsync names it. rsync names a file when its transfer *starts* (an
 * --out-format without %b logs before the transfer), so a name is hashed once the next one is named
 * (rsync finishes one file before it starts the next), and the last at finish(). Results are hints
 * keyed by path: the caller checks each against a fresh lstat (sameIdentity) before trusting it, so
 * a name given too early or a file replaced later costs a rehash, never a wrong hash.
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

  /** The last name given: not yet in place while rsync still writes it. */
  private named: string | undefined;

  add(relative: string): void {
    if (this.stopped) return;
    const landed = this.named;
    this.named = relative;
    if (landed !== undefined) this.hashLanded(landed);
  }

  private hashLanded(relative: string): void {
    if (relative === "" || relative.endsWith("/") || this.seen.has(relative)) return;
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
    const last = this.named;
    this.named = undefined;
    if (last !== undefined && !this.stopped) this.hashLanded(last);
    await this.pool.close();
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
