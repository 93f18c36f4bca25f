/** What a clone will do, decided before a byte is written. Pure data; rendered to sh by render.ts. */

export interface InventoryDisk {
  /** Kernel name: sda, vda, nvme0n1. */
  readonly name: string;
  readonly sizeBytes: number;
  readonly logicalSectorSize?: number;
  readonly removable?: boolean;
  readonly readOnly?: boolean;
  readonly model?: string;
  readonly serial?: string;
  /** A spinning disk (queue/rotational); false for SSD and NVMe. */
  readonly rotational?: boolean;
  /** How it is attached: nvme, sata, scsi, virtio, usb, md (an array a pre-install script made), … */
  readonly transport?: string;
  /** An md array's level (raid1, …): the disk is an array assembled in the initrd, not a drive. */
  readonly raidLevel?: string;
  /** The array this disk belongs to (its holder, e.g. md0): it is not a target of its own. */
  readonly memberOf?: string;
}

export interface InventoryNic {
  readonly name: string;
  readonly mac: string;
  readonly driver?: string;
  /** Carrier present. */
  readonly link?: boolean;
  /** Link speed in Mbit/s, when the link is up and the driver says. */
  readonly speedMbps?: number;
}

export interface InventoryCpu {
  readonly model?: string;
  /** Logical CPUs the kernel sees. */
  readonly count: number;
}

export interface InventoryDmi {
  readonly uuid?: string;
  readonly serial?: string;
  readonly product?: string;
  readonly vendor?: string;
  readonly biosVersion?: string;
}

/** What a booted node reports about itself before it gets a plan. */
export interface Inventory {
  readonly disks: readonly InventoryDisk[];
  readonly nics: readonly InventoryNic[];
  readonly firmware: "uefi" | "bios";
  readonly dmi?: InventoryDmi;
  readonly cpu?: InventoryCpu;
  /** MemTotal of /proc/meminfo, in bytes. */
  readonly memoryBytes?: number;
  /** Set by a virtual node: clone into this directory, touch no disk. */
  readonly targetDirectory?: string;
}

export interface PlannedPartition {
  readonly num: number;
  readonly dev: string;
  readonly goldenDev: string;
  readonly pType: "primary" | "extended" | "logical";
  readonly startBytes: number;
  readonly sizeBytes: number;
  readonly grows: boolean;
  /** GPT type GUID or MBR hex id, as sfdisk takes it. */
  readonly type: string;
  readonly name?: string;
  readonly bootable: boolean;
  readonly legacyBootable: boolean;
}

export interface PlannedDisk {
  readonly goldenDev: string;
  readonly dev: string;
  readonly sizeBytes: number;
  readonly goldenSizeBytes?: number;
  readonly sectorSize: number;
  readonly labelType: "gpt" | "msdos" | "none";
  readonly partitions: readonly PlannedPartition[];
}

export interface PlannedRaid {
  readonly dev: string;
  readonly level: string;
  readonly members: readonly string[];
  readonly spares: number;
  readonly chunkSize?: string;
}

export interface PlannedLogicalVolume {
  readonly name: string;
  /** Exact size, or undefined with `extents` set. */
  readonly sizeBytes?: number;
  /** lvcreate -l: "100%FREE", "25%VG". */
  readonly extents?: string;
}

export interface PlannedVolumeGroup {
  readonly name: string;
  readonly physicalVolumes: readonly string[];
  readonly extentSize: string;
  readonly volumes: readonly PlannedLogicalVolume[];
}

export interface PlannedFilesystem {
  readonly dev: string;
  readonly goldenDev: string;
  readonly fs: string;
  readonly mp: string;
  readonly label?: string;
  /** The new filesystem's UUID (vfat: its volume id as XXXX-XXXX). */
  readonly uuid: string;
  readonly goldenUuid?: string;
  readonly mkfsOptions: readonly string[];
}

export interface PlannedMount {
  readonly dev: string;
  readonly fs: string;
  /** Mount point on the clone, e.g. /var; mounted at root + mp. */
  readonly mp: string;
}

export interface RsyncSource {
  /** rsync://user@host[:port]/module/ */
  readonly url: string;
}

export type Transport =
  | { readonly kind: "rsync"; readonly source: RsyncSource }
  /** The tar stream, checked against the manifest (manifestUrl: metadata always, contents with verify) instead of an rsync walk. */
  | { readonly kind: "archive"; readonly url: string; readonly manifestUrl: string; readonly repair: RsyncSource }
  /** udp-receiver from the server's session, then rsync repairs; a late node waits up to fallbackSeconds for the next session. */
  | { readonly kind: "multicast"; readonly joinUrl: string; readonly fallbackSeconds: number; readonly repair: RsyncSource };

export interface PlannedOverride {
  /** image, group or node, and its name: the directory under overrides/. */
  readonly scope: "image" | "group" | "node";
  readonly name: string;
  readonly source: RsyncSource;
  /** The override's `*.tmpl` files rendered for this node (src/template), written after its plain files; absent when it has none. */
  readonly templates?: readonly PlannedTemplate[];
}

export interface PlannedTemplate {
  /** Where the file lands, relative to the clone's root (the template's path without .tmpl). */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface PlannedPostscript {
  readonly name: string;
  readonly source: RsyncSource;
}

export interface ClonePlan {
  readonly node: string;
  readonly osimage: string;
  readonly version: number;
  /** Bytes of the image's files: the measure of the copy's progress. */
  readonly imageBytes: number;
  /** Where the clone's root is assembled: /a for disks, the directory for a virtual node. */
  readonly root: string;
  readonly target: "disks" | "directory";
  /** Every disk of the machine, erased after the size check and before partitioning (a wipe chain); usually empty. */
  readonly wipeDisks: readonly string[];
  readonly disks: readonly PlannedDisk[];
  readonly raids: readonly PlannedRaid[];
  readonly volumeGroups: readonly PlannedVolumeGroup[];
  readonly filesystems: readonly PlannedFilesystem[];
  readonly swaps: readonly PlannedFilesystem[];
  readonly mounts: readonly PlannedMount[];
  /** New /etc/fstab, filesystems by UUID; undefined leaves the image's own. */
  readonly fstab?: string;
  readonly transport: Transport;
  /** URL of the image's sha256sum list, when the clone verifies itself against the manifest. */
  readonly verifyUrl?: string;
  readonly overrides: readonly PlannedOverride[];
  readonly postscripts: readonly PlannedPostscript[];
  /** The documented environment each postscript runs with. */
  readonly environment: Readonly<Record<string, string>>;
  readonly finalAction: "reboot" | "poweroff" | "none";
  readonly warnings: readonly string[];
}
