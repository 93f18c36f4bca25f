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
