import type { Layout } from "./model.js";
import { formatBytes } from "../format/bytes.js";
import { partitionDevice } from "./validate.js";

/** Plain sentences a person can check against the golden client. */
export function describeLayout(layout: Layout): string[] {
  const lines: string[] = [];
  const fsFor = (dev: string): string => {
    const fs = layout.filesystems.find((f) => f.realDev === dev);
    return fs ? ` ${fs.fs} on ${fs.mp}${fs.format ? "" : " (not formatted)"}` : "";
  };
  for (const disk of layout.disks) {
    lines.push(`disk ${disk.dev}: ${disk.labelType === "none" ? "no partition table" : disk.labelType}, ${disk.sizeBytes === undefined ? "size unknown" : formatBytes(disk.sizeBytes)}${fsFor(disk.dev)}`);
    for (const part of disk.partitions) {
      const dev = partitionDevice(disk.dev, part.num);
      const size = part.size === "*" ? `rest of disk${part.sizeBytes === undefined ? "" : ` (${formatBytes(part.sizeBytes)} at capture)`}` : formatBytes(part.sizeBytes ?? Number(part.size) * 1e6);
      const extras = [
        part.pType !== "primary" ? part.pType : "",
        part.flags.length > 0 ? `flags ${part.flags.join(",")}` : "",
        part.pName !== "-" ? `name ${part.pName}` : "",
        part.lvmGroup ? `LVM PV of ${part.lvmGroup}` : "",
        part.raidDev ? `member of ${part.raidDev}` : "",
      ].filter((e) => e !== "");
      lines.push(`  ${dev}: ${size}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}${fsFor(dev)}`);
    }
  }
  for (const raid of layout.raids) lines.push(`raid ${raid.name}: ${raid.level} of ${raid.devices.join(" ")}${fsFor(raid.name)}`);
  for (const group of layout.volumeGroups) {
    lines.push(`volume group ${group.name} (extent ${group.extentSize})`);
    for (const lv of group.volumes) lines.push(`  /dev/${group.name}/${lv.name}: ${lv.sizeBytes === undefined ? lv.size : formatBytes(lv.sizeBytes)}${fsFor(`/dev/${group.name}/${lv.name}`)}`);
  }
  const mounts = layout.filesystems.filter((f) => f.format).map((f) => `${f.mp} (${f.fs})`);
  lines.push(`created and mounted in order: ${mounts.join(", ") || "nothing"}`);
  return lines;
}
