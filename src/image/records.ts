import { osimageOf } from "../install/resolve.js";
import type { Store } from "../store/store.js";
import type { ImageRepository } from "./repository.js";

/**
 * Who still reads an image: nodes whose live install (issued or planned) is planned on one of its
 * versions, by version. Multicast sessions and the rsync daemon's modules serve exactly these.
 */
export function versionReaders(store: Store, osimage: string): Map<number, string[]> {
  const readers = new Map<number, string[]>();
  for (const install of store.installs.live()) {
    if (install.osimage !== osimage) continue;
    readers.set(install.version, [...(readers.get(install.version) ?? []), install.node]);
  }
  return readers;
}

/** Every node that reads the image or is about to: planned on a version, or issued (booted, not yet planned) for it. */
export function imageReaders(store: Store, osimage: string): string[] {
  const nodes = new Set([...versionReaders(store, osimage).values()].flat());
  for (const install of store.installs.live()) {
    if (install.state !== "issued" || install.osimage !== "") continue;
    try {
      if (osimageOf(store, install.node) === osimage) nodes.add(install.node);
    } catch {
      /* a node without an osimage reads none */
    }
  }
  return [...nodes].sort();
}

/**
 * Make the store's versions of an image what the repository holds, after a killed capture or
 * removal: records of versions that are gone are dropped, a committed version the store never
 * heard of (killed between the switch and the store) is recorded from its image.json, and the
 * osimage's current version follows `current`. Call with the image's lock held.
 */
export async function reconcileRecords(store: Store, repository: ImageRepository, osimage: string): Promise<void> {
  if (!store.getObject("osimage", osimage)) return;
  const onDisk = await repository.versions(osimage);
  const current = await repository.currentVersion(osimage);
  const known = new Set(store.imageVersions(osimage).map((record) => record.version));
  const missing = await Promise.all(onDisk.filter((version) => !known.has(version)).map((version) => repository.info(osimage, version)));
  store.transaction(() => {
    for (const version of known) if (!onDisk.includes(version)) store.deleteImageVersion(osimage, version);
    for (const info of missing) {
      store.addImageVersion({
        osimage, version: info.version, sourceNode: info.sourceNode, capturedAt: info.capturedAt, kernel: info.kernels.join(","),
        sizeBytes: info.sizeBytes, fileCount: info.fileCount, newBytes: info.newBytes, manifestSha256: info.manifestSha256,
      });
    }
    store.updateObject("osimage", osimage, { currentversion: current === undefined ? "" : String(current) });
  });
}
