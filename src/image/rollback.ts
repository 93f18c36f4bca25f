import path from "node:path";
import { auditedChange, type Actor } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import type { Store } from "../store/store.js";
import { readManifest } from "./manifest.js";
import { diffManifests, type ManifestDiff } from "./diff.js";
import { reconcileRecords } from "./records.js";
import type { ImageRepository } from "./repository.js";

export interface VersionView {
  readonly version: number;
  readonly capturedAt: string;
  readonly sourceNode: string;
  readonly sizeBytes: number;
  readonly fileCount: number;
  readonly current: boolean;
}

/** An image's versions as the store records them, oldest first, the current one marked. */
export async function imageVersionViews(store: Store, repository: ImageRepository, osimage: string): Promise<VersionView[]> {
  store.requireObject("osimage", osimage);
  const current = await repository.currentVersion(osimage);
  return store.imageVersions(osimage).map((record) => ({
    version: record.version, capturedAt: record.capturedAt, sourceNode: record.sourceNode, sizeBytes: record.sizeBytes, fileCount: record.fileCount, current: record.version === current,
  }));
}

async function requireVersion(repository: ImageRepository, osimage: string, version: number): Promise<void> {
  if (!(await repository.versions(osimage)).includes(version)) {
    throw new SyscloneError("UNKNOWN_OBJECT", `osimage ${osimage} has no version ${version}`, { hint: `GET /api/v1/osimages/${osimage}/versions lists them; lsimage ${osimage} too` });
  }
}

/** The files added, changed and removed from version `from` to version `to`, each list cut at `limit` (totals give the full counts). */
export async function diffImageVersions(store: Store, repository: ImageRepository, osimage: string, from: number, to: number, limit = 5000): Promise<ManifestDiff & { readonly totals: { added: number; changed: number; removed: number }; readonly truncated: boolean }> {
  store.requireObject("osimage", osimage);
  await requireVersion(repository, osimage, from);
  await requireVersion(repository, osimage, to);
  const manifest = (version: number) => readManifest(path.join(repository.versionDir(osimage, version), "manifest.jsonl"));
  const diff = diffManifests(await manifest(from), await manifest(to));
  const totals = { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length };
  return {
    added: diff.added.slice(0, limit), changed: diff.changed.slice(0, limit), removed: diff.removed.slice(0, limit),
    totals, truncated: Object.values(totals).some((count) => count > limit),
  };
}

/**
 * Makes an earlier (or later) version the image's current one: the nodes that install it next get
 * that version; installs already planned keep theirs. Under the image's lock, so no capture or
 * removal runs meanwhile; audited as the osimage's currentversion changing.
 */
export async function setCurrentVersion(store: Store, repository: ImageRepository, actor: Actor, osimage: string, version: number): Promise<{ readonly previous: number | undefined; readonly current: number }> {
  store.requireObject("osimage", osimage);
  const release = await repository.lockImage(osimage);
  try {
    await reconcileRecords(store, repository, osimage);
    await requireVersion(repository, osimage, version);
    const previous = await repository.currentVersion(osimage);
    await repository.switchCurrent(osimage, version);
    auditedChange(store, actor, "rollback", () => store.updateObject("osimage", osimage, { currentversion: String(version) }), ["osimage"]);
    return { previous, current: version };
  } finally {
    release();
  }
}
