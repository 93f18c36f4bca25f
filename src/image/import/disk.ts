import { SyscloneError } from "../../errors/errors.js";
import type { CollectorFacts, SfdiskPartition, SfdiskTable } from "../../layout/facts.js";
import { parseFstab, type FstabEntry } from "../../layout/fstab.js";

/**
 * imgimport's pure half: a disk image's partition table, what blkid found on each partition and
 * the image's fstab → which filesystem is copied where, and the facts layoutFromFacts turns into
 * layout.xml (the same reader capture uses). The image's disk is named /dev/sda here; clones map
 * disks by order, not by name.
 */
export const IMPORT_DISK = "/dev/sda";

/** What `blkid -p -o export` says about one partition (empty type: no signature at all). */
export interface Probe {
  readonly type: string;
  readonly uuid: string;
  readonly label: string;
}

export interface ImportPartition extends SfdiskPartition {
  readonly num: number;
  readonly probe: Probe;
}

/** How a filesystem is read: mounted read-only through a loop device, copied with mtools, or only recreated. */
export type ReadMethod = "mount" | "mtools" | "swap" | "empty";

const MOUNTABLE = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs"]);

/** How a partition's content is read, or a refusal naming it (LVM, LUKS, RAID members, filesystems this host cannot read). Pure. */
export function readMethod(partition: { readonly num: number; readonly probe: Probe }): ReadMethod {
  const { type } = partition.probe;
  if (type === "") return "empty";
  if (MOUNTABLE.has(type)) return "mount";
  if (type === "vfat") return "mtools";
  if (type === "swap") return "swap";
  const where = `partition ${partition.num} of the image`;
  if (type === "LVM2_member") {
    throw new SyscloneError("BAD_DISK_IMAGE", `${where} is an LVM physical volume: imgimport cannot read logical volumes inside an image`, {
      hint: "build the image with plain partitions (no LVM), or clone it onto a machine and capture that with imgcapture",
    });
  }
  if (type === "crypto_LUKS") {
    throw new SyscloneError("BAD_DISK_IMAGE", `${where} is encrypted (LUKS): imgimport cannot read it`, { hint: "build the image unencrypted; encrypt at install time if you need to" });
  }
  if (type === "linux_raid_member") {
    throw new SyscloneError("BAD_DISK_IMAGE", `${where} is an md RAID member: imgimport reads plain partitions only`, { hint: "build the image without RAID; a layout can add RAID at clone time" });
  }
  throw new SyscloneError("BAD_DISK_IMAGE", `${where} holds ${JSON.stringify(type.slice(0, 40))}, a filesystem imgimport cannot read`, { hint: "imgimport reads ext2/3/4, xfs, btrfs, vfat and swap" });
}

const number = (node: string): number => Number(/(\d+)$/.exec(node)?.[1] ?? 0);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** sfdisk -J of the image file → the table with partitions named /dev/sdaN and numbered. Pure. */
export function importTable(sfdiskJson: string): SfdiskTable {
  let table: Record<string, unknown> | undefined;
  try {
    table = (JSON.parse(sfdiskJson) as { partitiontable?: Record<string, unknown> }).partitiontable;
  } catch {
    table = undefined;
  }
  const rows = table?.["partitions"];
  if (table === undefined || !Array.isArray(rows)) throw new SyscloneError("BAD_DISK_IMAGE", "the image has no partition table sfdisk can read", { hint: "imgimport takes whole-disk images (GPT or MBR), e.g. KIWI oem .raw, mkosi, Packer qcow2" });
  const label = text(table["label"]);
  if (label !== "gpt" && label !== "dos") throw new SyscloneError("BAD_DISK_IMAGE", `the image's partition table is ${JSON.stringify(label)}; imgimport reads gpt and dos (MBR)`);
  const sectorsize = Number(table["sectorsize"] ?? 512) || 512;
  const partitions = (rows as Record<string, unknown>[]).map((p): SfdiskPartition => {
    const num = number(text(p["node"]));
    const start = Number(p["start"]);
    const size = Number(p["size"]);
    if (!(num > 0) || !Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size <= 0) throw new SyscloneError("BAD_DISK_IMAGE", "the image's partition table holds an entry sfdisk could not describe");
    return {
      node: `${IMPORT_DISK}${num}`,
      start,
      size,
      type: text(p["type"]).toLowerCase(),
      ...(typeof p["uuid"] === "string" ? { uuid: p["uuid"].toLowerCase() } : {}),
      ...(typeof p["name"] === "string" && p["name"] !== "" ? { name: p["name"] } : {}),
      ...(p["bootable"] === true ? { bootable: true } : {}),
      ...(typeof p["attrs"] === "string" ? { attrs: p["attrs"] } : {}),
    };
  });
  return { label, device: IMPORT_DISK, sectorsize, partitions };
}

const unquote = (value: string): string => value.replace(/^"|"$/g, "");

/** The partition an fstab source names: UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-*, or a device ending in its number. Pure. */
export function partitionOf(spec: string, partitions: readonly ImportPartition[]): ImportPartition | undefined {
  const eq = spec.indexOf("=");
  const [key, value] = eq > 0 && !spec.startsWith("/") ? [spec.slice(0, eq).toUpperCase(), unquote(spec.slice(eq + 1))] : ["", spec];
  const byPath = /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\/(.+)$/.exec(value);
  const [kind, wanted] = byPath ? [byPath[1]?.toUpperCase() ?? "", byPath[2] ?? ""] : [key, value];
  const lower = wanted.toLowerCase();
  switch (kind) {
    case "UUID": return partitions.find((p) => p.probe.uuid !== "" && p.probe.uuid.toLowerCase() === lower);
    case "LABEL": return partitions.find((p) => p.probe.label !== "" && p.probe.label === wanted);
    case "PARTUUID": return partitions.find((p) => p.uuid !== undefined && p.uuid === lower);
    case "PARTLABEL": return partitions.find((p) => p.name !== undefined && p.name === wanted);
    case "": {
      const device = /^\/dev\/(?:[shvx]d[a-z]|nvme\d+n\d+p|mmcblk\d+p|loop\d+p)(\d+)$/.exec(wanted);
      return device ? partitions.find((p) => p.num === Number(device[1])) : undefined;
    }
    default: return undefined;
  }
}

export interface ImportMount {
  readonly partition: ImportPartition;
  readonly mp: string;
  readonly method: "mount" | "mtools";
}

/** The Discoverable Partitions Specification's root partition type for x86-64. */
export const DISCOVERABLE_ROOT = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
// The Discoverable Partitions Specification's types, for images without an fstab (mkosi).
const DISCOVERABLE: Record<string, string> = {
  [DISCOVERABLE_ROOT]: "/",
  "933ac7e1-2eb4-4f13-b844-0e14e2aef915": "/home",
  "3b8f8425-20e0-4f3b-907f-1a25a76f98e8": "/srv",
  "4d21b016-b534-45c2-a9fb-5c16e091fd2d": "/var",
  "7ec6f557-3bc5-4aca-b293-16ef5df639d1": "/var/tmp",
  "bc13c2ff-59e6-4262-a352-b275fd6f7172": "/boot",
};
const ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

const depth = (mp: string): number => (mp === "/" ? 0 : mp.split("/").length - 1);

/**
 * Which partition is copied to which mount point: from the image's fstab when it has one, else from
 * the partition types (the ESP at `espAt`). Partitions with a filesystem that nothing mounts are
 * named in warnings (their partition is recreated empty). Pure.
 */
export function importMounts(partitions: readonly ImportPartition[], fstab: string | undefined, espAt: string): { mounts: ImportMount[]; warnings: string[] } {
  const warnings: string[] = [];
  const mounts: ImportMount[] = [];
  const add = (partition: ImportPartition, mp: string): void => {
    const method = readMethod(partition);
    if (method !== "mount" && method !== "mtools") return;
    if (mounts.some((m) => m.mp === mp || m.partition.num === partition.num)) return;
    mounts.push({ partition, mp, method });
  };
  if (fstab !== undefined) {
    for (const entry of parseFstab(fstab)) {
      if (!entry.file.startsWith("/") || entry.vfstype === "swap") continue;
      const partition = partitionOf(entry.spec, partitions);
      if (partition) add(partition, entry.file);
      else if (isBlockSource(entry)) warnings.push(`fstab line ${entry.line}: ${entry.spec} (${entry.file}) is no partition of the image; left out`);
    }
  } else {
    for (const partition of partitions) {
      const mp = partition.type === ESP ? espAt : DISCOVERABLE[partition.type];
      if (mp !== undefined) add(partition, mp);
    }
    const linux = partitions.filter((p) => readMethod(p) === "mount");
    const only = linux[0];
    if (!mounts.some((m) => m.mp === "/") && linux.length === 1 && only !== undefined) add(only, "/");
  }
  if (!mounts.some((m) => m.mp === "/")) {
    throw new SyscloneError("BAD_DISK_IMAGE", fstab === undefined ? "no root filesystem found: the image has no /etc/fstab and no partition of the root type" : "the image's /etc/fstab mounts no partition of the image at /", {
      hint: "imgimport needs the root filesystem on a partition of its own (ext4, xfs or btrfs)",
    });
  }
  for (const partition of partitions) {
    const method = readMethod(partition);
    if ((method === "mount" || method === "mtools") && !mounts.some((m) => m.partition.num === partition.num)) {
      warnings.push(`partition ${partition.num} (${partition.probe.type}) is mounted nowhere in the image; its content is not imported`);
    }
  }
  return { mounts: mounts.sort((a, b) => depth(a.mp) - depth(b.mp)), warnings };
}

function isBlockSource(entry: FstabEntry): boolean {
  return /^(UUID|LABEL|PARTUUID|PARTLABEL)=/i.test(entry.spec) || entry.spec.startsWith("/dev/");
}

/**
 * The facts layoutFromFacts reads, as if the image's disk were a machine's /dev/sda with the
 * imported filesystems mounted: the layout comes out exactly as a capture's would. Pure.
 */
export function importFacts(input: { diskBytes: number; table: SfdiskTable; partitions: readonly ImportPartition[]; mounts: readonly ImportMount[]; fstab: string; kernels: readonly string[] }): CollectorFacts {
  const { table } = input;
  const mpOf = (num: number): string => input.mounts.find((m) => m.partition.num === num)?.mp ?? "";
  return {
    root: "/",
    runningKernel: "",
    hostname: "",
    rsyncPath: "/usr/bin/rsync",
    kernels: input.kernels,
    moduleDirs: [],
    fstab: input.fstab,
    blockDevices: [
      {
        name: "sda", path: IMPORT_DISK, type: "disk", size: input.diskBytes, fstype: "", uuid: "", label: "", partlabel: "", parttype: "", pttype: table.label, mountpoint: "",
        children: input.partitions.map((p) => ({
          name: `sda${p.num}`, path: p.node, type: "part", size: p.size * table.sectorsize, fstype: p.probe.type, uuid: p.probe.uuid, label: p.probe.label,
          partlabel: p.name ?? "", parttype: p.type, pttype: table.label, mountpoint: mpOf(p.num), children: [],
        })),
      },
    ],
    mounts: input.mounts.map((m) => ({ target: m.mp, source: m.partition.node, fstype: m.partition.probe.type, options: "ro" })),
    partitionTables: { [IMPORT_DISK]: table },
    logicalVolumes: [],
    volumeGroups: [],
  };
}

/** `blkid -p -o export` of one device → its probe (exit 2, nothing found: an empty probe). Pure. */
export function parseProbe(text: string): Probe {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\ /g, " ");
  }
  return { type: fields["TYPE"] ?? "", uuid: fields["UUID"] ?? "", label: fields["LABEL"] ?? "" };
}
