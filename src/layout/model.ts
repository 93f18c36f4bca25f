/** The disk layout of a golden client: what the clone recreates before it copies a byte. */

export type LabelType = "gpt" | "msdos" | "none";
export type PartitionType = "primary" | "extended" | "logical";

export interface Partition {
  readonly num: number;
  /** In the disk's unit, or "*" to grow into the rest of the disk (or of the extended partition). */
  readonly size: string;
  readonly pType: PartitionType;
  /** GPT partition name, "-" when none. */
  readonly pName: string;
  /** parted-style flags: boot, esp, lvm, raid, swap, bios_grub, legacy_boot. */
  readonly flags: readonly string[];
  /** Partition type: GPT type GUID or MBR hex id. */
  readonly id?: string;
  readonly lvmGroup?: string;
  readonly raidDev?: string;
  readonly startBytes?: number;
  readonly sizeBytes?: number;
}

export interface Disk {
  readonly dev: string;
  readonly labelType: LabelType;
  readonly unit: string;
  readonly sizeBytes?: number;
  readonly partitions: readonly Partition[];
}

export interface Raid {
  readonly name: string;
  /** As the file spells it: raid1, 1 and mirror are one level (see mdadmLevel). */
  readonly level: string;
  /** Every member, spares last: the raid's devices= list and the partitions naming it in raid_dev=. */
  readonly devices: readonly string[];
  readonly spares: number;
  readonly chunkSize?: string;
  /** LVM on RAID: the md device is a physical volume of this volume group. */
  readonly lvmGroup?: string;
}

export interface LogicalVolume {
  readonly name: string;
  /** SystemImager style: a number with K/M/G suffix, or "*" for the rest of the group. */
  readonly size: string;
  readonly sizeBytes?: number;
  readonly options?: string;
}

export interface VolumeGroup {
  readonly name: string;
  readonly extentSize: string;
  readonly volumes: readonly LogicalVolume[];
}

export interface FileSystemEntry {
  /** Position in the golden client's fstab (or after it, for what was only mounted). */
  readonly line: number;
  readonly realDev: string;
  readonly mountDev: string;
  readonly mp: string;
  readonly fs: string;
  readonly options: string;
  readonly dump: number;
  readonly pass: number;
  readonly mkfsOpts?: string;
  /** false: leave this filesystem alone on the clone (it was not mounted, so not captured). */
  readonly format: boolean;
  readonly label?: string;
  readonly uuid?: string;
  /** SystemImager 4.9 appends an fsinfo's comment to its fstab line. */
  readonly comment?: string;
}

/** A comment or blank line of the golden client's fstab, kept at its place (an fsinfo with only line and comment). */
export interface FstabComment {
  readonly line: number;
  readonly text: string;
}

export interface Layout {
  readonly disks: readonly Disk[];
  readonly raids: readonly Raid[];
  readonly volumeGroups: readonly VolumeGroup[];
  readonly filesystems: readonly FileSystemEntry[];
  readonly comments?: readonly FstabComment[];
  readonly devstyle: string;
}

/**
 * Size units as systemimager.disks-layout(7) defines them: kB, MB, GB, TB decimal; KiB, MiB, GiB,
 * TiB binary; s a 512-byte sector. "%" (also "percent", "percentage") is a share of the whole disk,
 * for logical partitions too; it has no byte factor.
 */
export const unitBytes: Record<string, number> = {
  B: 1,
  s: 512,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** The spellings SystemImager accepts (4.3 lower-cases units, 4.9 lists percent and percentage) → a key of unitBytes, or "%". */
export function normaliseUnit(text: string): string | undefined {
  const lower = text.toLowerCase();
  if (["%", "percent", "percentage", "percentages"].includes(lower)) return "%";
  if (lower === "megabytes") return "MB";
  return Object.keys(unitBytes).find((unit) => unit.toLowerCase() === lower);
}

/** Filesystems that hold data the image carries and that the clone creates. */
export const blockFilesystems = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "swap", "jfs", "reiserfs", "f2fs"]);
