import type { BlockDevice, CollectorFacts, SfdiskTable } from "./facts.js";
import { parseFstab, type FstabEntry } from "./fstab.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { parseLayoutXml, renderLayoutXml } from "./xml.js";
import { blockFilesystems, type Disk, type FileSystemEntry, type Layout, type Partition, type Raid, type VolumeGroup } from "./model.js";

export interface LayoutFromFacts {
  readonly layout: Layout;
  /** rsync excludes for what is mounted under the root but not captured (pseudo, network, tmpfs). */
  readonly mountExcludes: readonly string[];
  /** Swap files named in fstab: never copied. */
  readonly swapFiles: readonly string[];
  /** False when the root is a plain directory (a chroot): its layout must be supplied. */
  readonly rootIsMountPoint: boolean;
  readonly warnings: readonly string[];
}

interface Indexed {
  readonly device: BlockDevice;
  readonly parents: BlockDevice[];
}

const GPT_FLAGS: Record<string, string> = {
  "c12a7328-f81f-11d2-ba4b-00a0c93ec93b": "esp",
  "21686148-6449-6e6f-744e-656564454649": "bios_grub",
  "e6d6d379-f507-44c2-a23c-238f2a3df928": "lvm",
  "a19d880f-05fc-4d3b-a006-743f0f84911e": "raid",
  "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f": "swap",
};
const MBR_FLAGS: Record<string, string> = { "8e": "lvm", fd: "raid", ef: "esp", "82": "swap" };
const EXTENDED = new Set(["5", "f", "85"]);
const DISK_TYPES = new Set(["disk", "loop"]);
/** A partition this close to the end of the disk grows: size="*". */
const GROW_SLACK_BYTES = 2 * 1024 * 1024;

function indexDevices(roots: readonly BlockDevice[]): Map<string, Indexed> {
  const index = new Map<string, Indexed>();
  const visit = (device: BlockDevice, parent: BlockDevice | undefined): void => {
    const entry = index.get(device.path) ?? { device, parents: [] };
    if (parent && !entry.parents.some((p) => p.path === parent.path)) entry.parents.push(parent);
    index.set(device.path, entry);
    for (const child of device.children) visit(child, device);
  };
  for (const root of roots) visit(root, undefined);
  return index;
}

function relativeMountPoint(root: string, target: string): string | undefined {
  if (root === "/" || root === "") return target;
  const normalRoot = root.replace(/\/+$/, "");
  if (target === normalRoot) return "/";
  if (target.startsWith(`${normalRoot}/`)) return target.slice(normalRoot.length);
  return undefined;
}

function resolveSpec(spec: string, index: Map<string, Indexed>): BlockDevice | undefined {
  const devices = [...index.values()].map((entry) => entry.device);
  const [key, value] = spec.includes("=") ? [spec.slice(0, spec.indexOf("=")), spec.slice(spec.indexOf("=") + 1).replace(/^"|"$/g, "")] : ["", spec];
  switch (key) {
    case "UUID": return devices.find((d) => d.uuid === value);
    case "LABEL": return devices.find((d) => d.label === value);
    case "PARTLABEL": return devices.find((d) => d.partlabel === value);
    case "PARTUUID": return undefined;
    default: {
      const bare = value.replace(/\[.*\]$/, "");
      const byUuid = /^\/dev\/disk\/by-uuid\/(.+)$/.exec(bare);
      if (byUuid) return devices.find((d) => d.uuid === byUuid[1]);
      const byLabel = /^\/dev\/disk\/by-label\/(.+)$/.exec(bare);
      if (byLabel) return devices.find((d) => d.label === byLabel[1]);
      return index.get(bare)?.device ?? devices.find((d) => `/dev/${d.name}` === bare);
    }
  }
}

/** Walk up from a device to the disks under it. */
function disksUnder(device: BlockDevice, index: Map<string, Indexed>, seen = new Set<string>()): BlockDevice[] {
  if (seen.has(device.path)) return [];
  seen.add(device.path);
  if (DISK_TYPES.has(device.type) && (index.get(device.path)?.parents.length ?? 0) === 0) return [device];
  return (index.get(device.path)?.parents ?? []).flatMap((parent) => disksUnder(parent, index, seen));
}

function dmName(vg: string, lv: string): string {
  return `${vg.replace(/-/g, "--")}-${lv.replace(/-/g, "--")}`;
}

function partitionNumber(node: string): number {
  return Number(/(\d+)$/.exec(node)?.[1] ?? 0);
}

function mb(bytes: number): string {
  return String(Math.max(1, Math.round(bytes / 1e6)));
}

function buildDisk(disk: BlockDevice, table: SfdiskTable | undefined, index: Map<string, Indexed>, lvNames: Map<string, { vg: string; lv: string }>): Disk {
  if (!table) return { dev: disk.path, labelType: "none", unit: "MB", sizeBytes: disk.size, partitions: [] };
  const isGpt = table.label === "gpt";
  const sector = table.sectorsize;
  const usableEnd = disk.size - (isGpt ? 33 * sector : 0);
  const parts = [...table.partitions].sort((a, b) => partitionNumber(a.node) - partitionNumber(b.node));
  const extended = parts.find((p) => !isGpt && EXTENDED.has(p.type.toLowerCase()));
  const partitions = parts.map((raw): Partition => {
    const num = partitionNumber(raw.node);
    const type = raw.type.toLowerCase();
    const startBytes = raw.start * sector;
    const sizeBytes = raw.size * sector;
    const endBytes = startBytes + sizeBytes;
    const pType = isGpt ? "primary" : EXTENDED.has(type) ? "extended" : num >= 5 ? "logical" : "primary";
    const containerEnd = pType === "logical" && extended ? (extended.start + extended.size) * sector : usableEnd;
    const lastInContainer = !parts.some((other) => other !== raw && other.start > raw.start && (pType === "logical" ? partitionNumber(other.node) >= 5 : partitionNumber(other.node) < 5 || isGpt));
    const grows = lastInContainer && containerEnd - endBytes < GROW_SLACK_BYTES;
    const flags: string[] = [];
    const typeFlag = isGpt ? GPT_FLAGS[type] : MBR_FLAGS[type];
    if (typeFlag) flags.push(typeFlag);
    if (!isGpt && raw.bootable) flags.unshift("boot");
    if (isGpt && raw.attrs?.includes("LegacyBIOSBootable")) flags.push("legacy_boot");
    const children = index.get(raw.node)?.device.children ?? [];
    const lvmChild = children.find((c) => c.type === "lvm");
    const raidChild = children.find((c) => c.type.startsWith("raid"));
    const lvm = lvmChild ? lvNames.get(lvmChild.name) : undefined;
    const part: Partition = {
      num,
      size: grows ? "*" : mb(sizeBytes),
      pType,
      pName: raw.name ?? "-",
      flags,
      id: type,
      startBytes,
      sizeBytes,
    };
    return { ...part, ...(lvm ? { lvmGroup: lvm.vg } : {}), ...(raidChild ? { raidDev: raidChild.path } : {}) };
  });
  return { dev: disk.path, labelType: isGpt ? "gpt" : "msdos", unit: "MB", sizeBytes: disk.size, partitions };
}

function canonicalDevice(device: BlockDevice, lvNames: Map<string, { vg: string; lv: string }>): string {
  if (device.type === "lvm") {
    const names = lvNames.get(device.name);
    if (names) return `/dev/${names.vg}/${names.lv}`;
  }
  return device.path;
}

function mountOrder(entries: FileSystemEntry[]): FileSystemEntry[] {
  const depth = (mp: string): number => (mp.startsWith("/") ? (mp === "/" ? 0 : mp.split("/").length - 1) : 1000);
  return entries.map((entry, position) => ({ entry, position })).sort((a, b) => depth(a.entry.mp) - depth(b.entry.mp) || a.position - b.position).map((x) => x.entry);
}

/** Pure: the golden client's facts → its disk layout and what capture must leave out. */
export function layoutFromFacts(facts: CollectorFacts): LayoutFromFacts {
  const warnings: string[] = [];
  const index = indexDevices(facts.blockDevices);
  const lvNames = new Map<string, { vg: string; lv: string }>();
  for (const lv of facts.logicalVolumes) lvNames.set(dmName(lv.vgName, lv.lvName), { vg: lv.vgName, lv: lv.lvName });
  const fstab = parseFstab(facts.fstab);
  const fstabByMp = new Map<string, FstabEntry>(fstab.map((entry) => [entry.file, entry]));
  const filesystems: FileSystemEntry[] = [];
  const mountExcludes: string[] = [];
  const usedDevices: BlockDevice[] = [];
  const mounted = new Set<string>();
  let extraLine = 1000;

  const add = (device: BlockDevice | undefined, mp: string, fs: string, entry: FstabEntry | undefined, format: boolean, realDev?: string): void => {
    const dev = realDev ?? (device ? canonicalDevice(device, lvNames) : "");
    const base: FileSystemEntry = {
      line: entry?.line ?? extraLine++,
      realDev: dev,
      mountDev: entry?.spec ?? (device?.uuid ? `UUID=${device.uuid}` : dev),
      mp,
      fs,
      options: entry?.options ?? "defaults",
      dump: entry?.dump ?? 0,
      pass: entry?.pass ?? (mp === "/" ? 1 : fs === "swap" ? 0 : 2),
      format,
    };
    filesystems.push({ ...base, ...(device?.label ? { label: device.label } : {}), ...(device?.uuid ? { uuid: device.uuid } : {}) });
    if (device && format) usedDevices.push(device);
  };

  const inScope = facts.mounts
    .map((mount) => ({ mount, mp: relativeMountPoint(facts.root, mount.target) }))
    .filter((m): m is { mount: (typeof facts.mounts)[number]; mp: string } => m.mp !== undefined);
  const rootIsMountPoint = inScope.some((m) => m.mp === "/");
  if (!rootIsMountPoint) warnings.push(`${facts.root} is not a mount point: supply its layout with --layout FILE`);

  for (const { mount, mp } of inScope) {
    const device = mount.source.startsWith("/dev/") ? resolveSpec(mount.source, index) : undefined;
    if (device && blockFilesystems.has(mount.fstype)) {
      if (mounted.has(mp)) continue;
      mounted.add(mp);
      add(device, mp, mount.fstype, fstabByMp.get(mp), true);
    } else if (mp !== "/") {
      mountExcludes.push(`${mp}/*`);
    }
  }

  const swapFiles: string[] = [];
  for (const entry of fstab) {
    if (mounted.has(entry.file)) continue;
    const device = resolveSpec(entry.spec, index);
    if (entry.vfstype === "swap") {
      if (entry.spec.startsWith("/") && !entry.spec.startsWith("/dev/")) {
        swapFiles.push(entry.spec);
        continue;
      }
      if (device) add(device, "swap", "swap", entry, true);
      else warnings.push(`fstab line ${entry.line}: swap ${entry.spec} not found among the block devices`);
      continue;
    }
    if (blockFilesystems.has(entry.vfstype)) {
      if (device) add(device, entry.file, entry.vfstype, entry, false);
      else warnings.push(`fstab line ${entry.line}: ${entry.spec} (${entry.file}) not found among the block devices; left out`);
      continue;
    }
    add(undefined, entry.file, entry.vfstype, entry, false, entry.spec);
  }

  const disks = new Map<string, BlockDevice>();
  const raids = new Map<string, Raid>();
  const groups = new Map<string, VolumeGroup>();
  const visitHolder = (device: BlockDevice): void => {
    for (const disk of disksUnder(device, index)) disks.set(disk.path, disk);
    if (device.type.startsWith("raid")) {
      const members = (index.get(device.path)?.parents ?? []).map((p) => p.path).sort();
      // LVM on RAID: the array is a physical volume of the group its logical volumes belong to.
      const lvmChild = device.children.find((c) => c.type === "lvm");
      const vg = lvmChild ? lvNames.get(lvmChild.name)?.vg : undefined;
      raids.set(device.path, { name: device.path, level: device.type, devices: members, spares: 0, ...(vg ? { lvmGroup: vg } : {}) });
    }
    if (device.type === "lvm") {
      const names = lvNames.get(device.name);
      if (!names) {
        warnings.push(`logical volume ${device.name}: LVM tools reported nothing; run the collector as root`);
        return;
      }
      if (!groups.has(names.vg)) {
        const extent = facts.volumeGroups.find((vg) => vg.vgName === names.vg)?.extentBytes ?? 4 * 1024 * 1024;
        const volumes = facts.logicalVolumes
          .filter((lv) => lv.vgName === names.vg)
          .map((lv) => ({ name: lv.lvName, size: `${Math.round(lv.sizeBytes / 1024)}K`, sizeBytes: lv.sizeBytes }));
        groups.set(names.vg, { name: names.vg, extentSize: `${Math.round(extent / 1024)}K`, volumes });
      }
    }
    for (const parent of index.get(device.path)?.parents ?? []) visitHolder(parent);
  };
  for (const device of usedDevices) visitHolder(device);

  const layout: Layout = {
    disks: [...disks.values()].map((disk) => buildDisk(disk, facts.partitionTables[disk.path], index, lvNames)),
    raids: [...raids.values()],
    volumeGroups: [...groups.values()],
    filesystems: mountOrder(filesystems),
    devstyle: "udev",
  };
  return { layout: readableAsWritten(layout), mountExcludes, swapFiles, rootIsMountPoint, warnings };
}

/** Capture writes the layout that clones read: a value the reader refuses (a label or mount option it cannot pass on safely) stops the capture before a byte is copied. */
function readableAsWritten(layout: Layout): Layout {
  try {
    parseLayoutXml(renderLayoutXml(layout));
  } catch (error) {
    if (!isSyscloneError(error)) throw error;
    throw new SyscloneError("BAD_LAYOUT", `the golden client's ${error.message}`, {
      hint: "change that value on the golden client (its fstab or filesystem label), or supply the layout with --layout FILE",
    });
  }
  return layout;
}

