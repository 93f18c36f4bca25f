import type { Disk, Layout, Partition } from "./model.js";
import { unitBytes } from "./model.js";
import { formatBytes } from "../format/bytes.js";
import { mdadmLevel } from "./raid.js";
import { partitionDevice } from "./validate.js";

const binaryLvUnits: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A partition's size as the file states it, in its own unit: "500 MiB", "500 MB (476.8 MiB)", "25% of the disk", "2048 sectors". */
function partitionSize(disk: Disk, part: Partition): string {
  if (part.size === "*") {
    const rest = part.pType === "logical" ? "rest of the extended partition" : "rest of disk";
    return `${rest}${part.sizeBytes === undefined ? "" : ` (${formatBytes(part.sizeBytes)} at capture)`}`;
  }
  if (part.sizeBytes !== undefined) return formatBytes(part.sizeBytes);
  if (disk.unit === "%") return `${part.size}% of the disk`;
  if (disk.unit === "s") return `${part.size} sectors (${formatBytes(Number(part.size) * 512)})`;
  const stated = `${part.size} ${disk.unit}`;
  const bytes = Number(part.size) * (unitBytes[disk.unit] ?? 1);
  return disk.unit.endsWith("iB") ? stated : `${stated} (${formatBytes(bytes)})`;
}

/** lvcreate's sizes are binary; a bare number is MiB. */
function volumeSize(size: string, sizeBytes: number | undefined): string {
  if (sizeBytes !== undefined) return formatBytes(sizeBytes);
  if (size === "*") return "rest of the group";
  if (size.endsWith("%")) return `${size} of the group`;
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(size);
  return match ? formatBytes(Number(match[1]) * (binaryLvUnits[(match[2] || "M").toUpperCase()] ?? 1)) : size;
}

const depth = (mp: string): number => (mp === "/" ? 0 : mp.split("/").length - 1);

/** Plain sentences a person can check against the golden client. */
export function describeLayout(layout: Layout): string[] {
  const lines: string[] = [];
  const fsFor = (...devs: string[]): string => {
    const fs = layout.filesystems.find((f) => devs.includes(f.realDev));
    return fs ? ` ${fs.fs} on ${fs.mp}${fs.format ? "" : " (not formatted)"}` : "";
  };
  // si_prepareclient names an array's members only in its devices= list, not with raid_dev= on the partition.
  const arrayOf = (dev: string): string | undefined => layout.raids.find((raid) => raid.devices.includes(dev))?.name;
  for (const disk of layout.disks) {
    lines.push(`disk ${disk.dev}: ${disk.labelType === "none" ? "no partition table" : disk.labelType}, ${disk.sizeBytes === undefined ? "size unknown" : formatBytes(disk.sizeBytes)}${fsFor(disk.dev)}`);
    for (const part of disk.partitions) {
      const dev = partitionDevice(disk.dev, part.num);
      const extras = [
        part.pType !== "primary" ? part.pType : "",
        part.flags.length > 0 ? `flags ${part.flags.join(",")}` : "",
        part.pName !== "-" ? `name ${part.pName}` : "",
        part.lvmGroup ? `LVM PV of ${part.lvmGroup}` : "",
        part.raidDev ?? arrayOf(dev) ? `member of ${part.raidDev ?? arrayOf(dev) ?? ""}` : "",
      ].filter((e) => e !== "");
      lines.push(`  ${dev}: ${partitionSize(disk, part)}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}${fsFor(dev)}`);
    }
  }
  for (const raid of layout.raids) {
    const spares = raid.spares > 0 ? ` (last ${raid.spares} spare)` : "";
    const pv = raid.lvmGroup ? ` LVM PV of ${raid.lvmGroup}` : "";
    lines.push(`raid ${raid.name}: ${mdadmLevel(raid.level) ?? raid.level} of ${raid.devices.join(" ")}${spares}${pv}${fsFor(raid.name)}`);
  }
  for (const group of layout.volumeGroups) {
    lines.push(`volume group ${group.name} (extent ${group.extentSize})`);
    for (const lv of group.volumes) {
      const mapper = `/dev/mapper/${group.name.replace(/-/g, "--")}-${lv.name.replace(/-/g, "--")}`;
      lines.push(`  /dev/${group.name}/${lv.name}: ${volumeSize(lv.size, lv.sizeBytes)}${fsFor(`/dev/${group.name}/${lv.name}`, mapper)}`);
    }
  }
  const made = layout.filesystems.filter((f) => f.format);
  lines.push(`created: ${made.map((f) => `${f.realDev} (${f.fs})`).join(", ") || "nothing"}`);
  const mounts = made.filter((f) => f.mp.startsWith("/")).sort((a, b) => depth(a.mp) - depth(b.mp));
  lines.push(`mounted in order: ${mounts.map((f) => `${f.mp} (${f.fs})`).join(", ") || "nothing"}`);
  const kept = layout.filesystems.filter((f) => !f.format && f.realDev.startsWith("/dev/"));
  if (kept.length > 0) lines.push(`kept in fstab, not formatted: ${kept.map((f) => `${f.mp} (${f.fs} on ${f.realDev})`).join(", ")}`);
  return lines;
}
