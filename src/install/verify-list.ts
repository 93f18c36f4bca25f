import path from "node:path";
import type { ManifestEntry } from "../image/manifest.js";

/**
 * The image's regular files as `sha256sum -c` input, paths relative to the clone's root.
 * Names holding a newline or backslash cannot be written in that format; they are counted, not listed.
 */
export function verifyList(manifestJsonl: string): { text: string; files: number; skipped: number } {
  const lines: string[] = [];
  let skipped = 0;
  for (const line of manifestJsonl.split("\n")) {
    if (line.trim() === "") continue;
    const entry = JSON.parse(line) as ManifestEntry;
    if (entry.type !== "f" || entry.sha256 === undefined) continue;
    if (/[\n\\]/.test(entry.path)) {
      skipped++;
      continue;
    }
    lines.push(`${entry.sha256}  .${entry.path}`);
  }
  return { text: lines.length > 0 ? `${lines.join("\n")}\n` : "", files: lines.length, skipped };
}

/** Printable ASCII without a quote: names `stat -c %N` (GNU and busybox alike) shows as they are, between quotes. */
const PLAIN = /^[\x20-\x26\x28-\x7e]*$/;

/**
 * Every entry of the image with its metadata, one tab-separated line each, for the node to check a
 * clone against (agent/clone/lib.sh sc_verify_end): TYPE MODE UID GID SIZE SHA256|TARGET|- PATH.
 * PATH is relative (`.`, `./etc`, ...); SIZE counts for regular files only; a symlink's TARGET is
 * given when both names are plain enough for `stat -c %N` to show them unquoted, else `-` (not
 * checked). Names holding a newline, tab or backslash are counted, not listed; their nearest
 * directory that can be named follows as `R - - - - - DIR`: the node has rsync walk just those.
 */
export function metadataList(manifestJsonl: string): { text: string; files: number; entries: number; skipped: number } {
  const lines: string[] = [];
  let skipped = 0;
  let files = 0;
  const walk = new Set<string>();
  for (const line of manifestJsonl.split("\n")) {
    if (line.trim() === "") continue;
    const entry = JSON.parse(line) as ManifestEntry;
    if (/[\n\t\\]/.test(entry.path) || (entry.type === "f" && entry.sha256 === undefined)) {
      skipped++;
      let dir = path.posix.dirname(entry.path);
      while (/[\n\t\\]/.test(dir)) dir = path.posix.dirname(dir);
      walk.add(dir === "/" ? "." : `.${dir}`);
      continue;
    }
    const relative = entry.path === "/" ? "." : `.${entry.path}`;
    let detail = "-";
    if (entry.type === "f") {
      detail = entry.sha256 ?? "-";
      files++;
    } else if (entry.type === "l" && entry.target !== undefined && PLAIN.test(entry.target) && PLAIN.test(relative)) {
      detail = entry.target;
    }
    lines.push([entry.type, entry.mode, entry.uid, entry.gid, entry.type === "f" ? entry.size : 0, detail, relative].join("\t"));
  }
  for (const dir of [...walk].sort()) lines.push(["R", "-", "-", "-", "-", "-", dir].join("\t"));
  return { text: lines.length > 0 ? `${lines.join("\n")}\n` : "", files, entries: lines.length - walk.size, skipped };
}
