import type { ManifestEntry } from "../image/manifest.js";

/** rsync `--out-format=%i %n` lines → the paths (relative to /) that changed or were deleted. */
export function changedPaths(output: string): { changed: string[]; deleted: string[] } {
  const changed: string[] = [];
  const deleted: string[] = [];
  for (const line of output.split("\n")) {
    const deletion = /^\*deleting\s+(.+)$/.exec(line);
    if (deletion?.[1]) {
      deleted.push(deletion[1]);
      continue;
    }
    const item = /^([<>ch.*][fdLDS][^ ]{9}) (.+)$/.exec(line);
    if (!item?.[1] || !item[2]) continue;
    // ".d..t......" is a directory whose time alone changed: not a change worth counting.
    if (item[1].startsWith(".") && !/[cs+]/.test(item[1].slice(2))) continue;
    changed.push(item[2].replace(/ -> .*$/, ""));
  }
  return { changed, deleted };
}

/** Whether a delta touched what the boot loader reads: /boot, or the ESP wherever it is mounted. */
export function touchesBoot(paths: readonly string[], espMountPoint: string | undefined): boolean {
  const prefixes = ["boot/", ...(espMountPoint ? [`${espMountPoint.replace(/^\/+/, "").replace(/\/*$/, "")}/`] : [])];
  return paths.some((p) => prefixes.some((prefix) => `${p}/`.startsWith(prefix) && p !== "boot/" && p !== "boot"));
}

/** The top-level trees the boot loader reads: /boot, and the ESP when it is mounted outside /boot. */
export function bootTrees(espMountPoint: string | undefined): string[] {
  const esp = espMountPoint?.replace(/^\/+/, "").replace(/\/*$/, "");
  return ["boot", ...(esp && esp !== "boot" && !esp.startsWith("boot/") ? [esp] : [])];
}

type BootEntry = Pick<ManifestEntry, "path" | "type" | "mode" | "uid" | "gid" | "size" | "sha256" | "target">;

/** Whether two image versions differ anywhere under the boot trees (manifest paths are relative to /). */
export function bootTreesDiffer(older: readonly BootEntry[], newer: readonly BootEntry[], trees: readonly string[]): boolean {
  const inBoot = (entry: BootEntry): boolean => trees.some((tree) => entry.path.replace(/^\.?\/+/, "") === tree || entry.path.replace(/^\.?\/+/, "").startsWith(`${tree}/`));
  const key = (entry: BootEntry): string => JSON.stringify([entry.path.replace(/^\.?\/+/, ""), entry.type, entry.mode, entry.uid, entry.gid, entry.size, entry.sha256 ?? "", entry.target ?? ""]);
  const a = older.filter(inBoot).map(key).sort();
  const b = newer.filter(inBoot).map(key).sort();
  return a.length !== b.length || a.some((k, i) => k !== b[i]);
}
