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
  readonly level: string;
  readonly devices: readonly string[];
  readonly spares: number;
  readonly chunkSize?: string;
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
}

export interface Layout {
  readonly disks: readonly Disk[];
  readonly raids: readonly Raid[];
  readonly volumeGroups: readonly VolumeGroup[];
  readonly filesystems: readonly FileSystemEntry[];
  readonly devstyle: string;
}

/** Size units in SystemImager's sense (parted's decimal units). */
export const unitBytes: Record<string, number> = {
  B: 1,
  s: 512,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** Filesystems that hold data the image carries and that the clone creates. */
export const blockFilesystems = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "swap", "jfs", "reiserfs", "f2fs"]);
