import { SyscloneError } from "../errors/errors.js";
import { formatBytes } from "../format/bytes.js";
import { lvSizeBytes } from "./lvm.js";
import type { PlannedDisk, PlannedFilesystem, PlannedVolumeGroup } from "./model.js";
import { MiB } from "./partitions.js";

export interface CapacityInput {
  readonly disks: readonly PlannedDisk[];
  /** Bytes each md array holds, as the planner sized it. */
  readonly raidBytes: ReadonlyMap<string, number>;
  readonly volumeGroups: readonly PlannedVolumeGroup[];
  /** The filesystems the clone makes and fills (swap excluded). */
  readonly filesystems: readonly PlannedFilesystem[];
}

const mapperName = (group: string, volume: string): string => `/dev/mapper/${group.replace(/-/g, "--")}-${volume.replace(/-/g, "--")}`;

/** Bytes of every device the plan makes: whole disks, partitions, md arrays and logical volumes. */
export function deviceBytes(input: CapacityInput): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const disk of input.disks) {
    bytes.set(disk.dev, disk.sizeBytes);
    for (const part of disk.partitions) bytes.set(part.dev, part.sizeBytes);
  }
  for (const [dev, size] of input.raidBytes) bytes.set(dev, size);
  for (const group of input.volumeGroups) {
    const extent = group.extentSize === "" ? 4 * MiB : lvSizeBytes(group.extentSize);
    // pvcreate keeps the first MiB of each physical volume for its label and metadata.
    const capacity = group.physicalVolumes.reduce((sum, pv) => sum + Math.floor(Math.max(0, (bytes.get(pv) ?? 0) - MiB) / extent) * extent, 0);
    const share = (extents: string | undefined): number | undefined => {
      const percent = /^(\d+(?:\.\d+)?)%VG$/.exec(extents ?? "");
      return percent ? Math.floor((Number(percent[1]) / 100) * capacity) : undefined;
    };
    const taken = group.volumes.reduce((sum, lv) => sum + (lv.sizeBytes ?? share(lv.extents) ?? 0), 0);
    for (const lv of group.volumes) {
      const size = lv.sizeBytes ?? share(lv.extents) ?? Math.max(0, capacity - taken);
      bytes.set(`/dev/${group.name}/${lv.name}`, size);
      bytes.set(mapperName(group.name, lv.name), size);
    }
  }
  return bytes;
}

/**
 * The image's files must fit in the filesystems the plan makes, whatever the layout says of the
 * golden disks (SystemImager's layouts give no disk sizes): a refusal now, not a disk wiped and a
 * copy that fails when it is full.
 */
export function checkImageFits(usedBytes: number, input: CapacityInput): void {
  const bytes = deviceBytes(input);
  const sized = input.filesystems.filter((fs) => fs.mp.startsWith("/")).map((fs) => ({ mp: fs.mp, dev: fs.dev, bytes: bytes.get(fs.dev) ?? 0 }));
  const capacity = sized.reduce((sum, fs) => sum + fs.bytes, 0);
  if (usedBytes <= capacity) return;
  const each = sized.map((fs) => `${fs.mp} ${formatBytes(fs.bytes)}`).join(", ");
  throw new SyscloneError(
    "DISK_TOO_SMALL",
    `the image does not fit: its files take ${formatBytes(usedBytes)} (${usedBytes} bytes) but the planned filesystems hold ${formatBytes(capacity)} (${capacity} bytes): ${each || "none"}`,
    { hint: "give the node larger disks, or clone a smaller image; nothing was written" },
  );
}
