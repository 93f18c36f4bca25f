/** `UUID=…` per mount point of an fstab. */
export function uuidsByMountPoint(fstab: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of fstab.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || (fields[0] ?? "").startsWith("#")) continue;
    const uuid = /^UUID=([0-9A-Fa-f-]+)$/.exec(fields[0] ?? "")?.[1];
    if (uuid && fields[1]) result.set(fields[1], uuid);
  }
  return result;
}

/**
 * The image's fstab names the golden client's filesystems, the node's names its own: pairing
 * them by mount point gives efibootloader's UUID_MAP ("golden=node …") after a delta update
 * brought the golden UUIDs back into the node's boot configuration.
 */
export function uuidMapBetween(imageFstab: string, nodeFstab: string): string {
  const golden = uuidsByMountPoint(imageFstab);
  const own = uuidsByMountPoint(nodeFstab);
  const pairs: string[] = [];
  for (const [mountPoint, goldenUuid] of golden) {
    const nodeUuid = own.get(mountPoint);
    if (nodeUuid && nodeUuid !== goldenUuid) pairs.push(`${goldenUuid}=${nodeUuid}`);
  }
  return pairs.join(" ");
}
