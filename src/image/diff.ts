import type { ManifestEntry } from "./manifest.js";

export interface ManifestDiff {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

function same(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.type === b.type && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.size === b.size && a.sha256 === b.sha256 && a.target === b.target && a.rdev === b.rdev;
}

/**
 * What changed from one image version's manifest to another's, by path, each list sorted: paths
 * only in `to` (added), in both but different in type, mode, owner, size, content, link target or
 * device (changed), and only in `from` (removed). Pure.
 */
export function diffManifests(from: readonly ManifestEntry[], to: readonly ManifestEntry[]): ManifestDiff {
  const before = new Map(from.map((entry) => [entry.path, entry]));
  const added: string[] = [];
  const changed: string[] = [];
  for (const entry of to) {
    const old = before.get(entry.path);
    if (!old) added.push(entry.path);
    else if (!same(old, entry)) changed.push(entry.path);
    before.delete(entry.path);
  }
  const sort = (paths: string[]) => paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { added: sort(added), changed: sort(changed), removed: sort([...before.keys()]) };
}
