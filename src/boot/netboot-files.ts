import { readFile, stat } from "node:fs/promises";

interface Cached {
  readonly key: string;
  readonly size: number;
  readonly data: Promise<Buffer>;
}

/**
 * The clone kernels and initrds, each read once and kept in memory until the file changes (inode,
 * size or mtime): a PXE storm of 1,000 machines gets one buffer sent 1,000 times instead of 1,000
 * read streams with their own buffers (which kept serve over 200 MB) and 1,000 passes over the disk.
 * Past `maxBytes` in all, the files read longest ago are dropped; a file larger than that is not kept.
 */
export class NetbootFiles {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  /** The file's content, or undefined when it does not exist. */
  async read(file: string): Promise<Buffer | undefined> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      this.cache.delete(file);
      return undefined;
    }
    const key = `${info.ino}:${info.size}:${info.mtimeMs}`;
    const cached = this.cache.get(file);
    if (cached?.key === key) return cached.data;
    const data = readFile(file);
    if (info.size > this.maxBytes) return data;
    this.cache.delete(file);
    let total = info.size;
    for (const entry of this.cache.values()) total += entry.size;
    for (const [name, entry] of this.cache) {
      if (total <= this.maxBytes) break;
      this.cache.delete(name);
      total -= entry.size;
    }
    const entry = { key, size: info.size, data };
    this.cache.set(file, entry);
    data.catch(() => {
      if (this.cache.get(file) === entry) this.cache.delete(file);
    });
    return data;
  }
}
