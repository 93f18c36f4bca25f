import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ImageRepository } from "../src/image/repository.js";
import { metadataList, verifyList } from "../src/install/verify-list.js";

/** Archive streams (a tar and a zstd each) served at once; the next caller is told to retry. */
export const DEFAULT_MAX_ARCHIVES = 4;

/** One POST of a node's log: its clone log ships in pieces, never as one large body. */
export const MAX_LOG_CHUNK = 1024 * 1024;

/** A bounded number of holders at once; `take` gives the release function, or undefined when all are taken. */
export class Slots {
  private used = 0;

  constructor(private readonly size: number) {}

  take(): (() => void) | undefined {
    if (this.used >= this.size) return undefined;
    this.used++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
    };
  }
}

/**
 * Verify lists by image version: built once from the manifest (a 300k-file image takes seconds and
 * hundreds of MB to parse), then served to every node of that version. Keyed by the manifest's mtime too,
 * so a version rewritten in place (it never is) would not be served stale.
 */
export class VerifyListCache {
  private readonly lists = new Map<string, Promise<ReturnType<typeof verifyList>>>();

  constructor(private readonly repository: ImageRepository, private readonly maxEntries = 4) {}

  /** `sha256`: the sha256sum -c list; `meta`: every entry with its metadata (metadataList). */
  async get(osimage: string, version: number, format: "sha256" | "meta" = "sha256"): Promise<ReturnType<typeof verifyList>> {
    const file = path.join(this.repository.versionDir(osimage, version), "manifest.jsonl");
    const key = `${file}@${Math.trunc((await stat(file)).mtimeMs)}#${format}`;
    const cached = this.lists.get(key);
    if (cached) {
      this.lists.delete(key);
      this.lists.set(key, cached);
      return cached;
    }
    const list = readFile(file, "utf8").then(format === "meta" ? metadataList : verifyList);
    list.catch(() => this.lists.delete(key));
    this.lists.set(key, list);
    if (this.lists.size > this.maxEntries) {
      const oldest = this.lists.keys().next().value;
      if (oldest !== undefined) this.lists.delete(oldest);
    }
    return list;
  }
}
