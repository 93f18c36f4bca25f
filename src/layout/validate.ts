import { unitBytes, type Layout } from "./model.js";
import { shown } from "./checks.js";
import { mdadmLevel, minimumMembers } from "./raid.js";

const SIZE = /^(\d+(\.\d+)?|\*)$/;
const LV_SIZE = /^(\d+(\.\d+)?[KMGTkmgt]?|\*|\d+(\.\d+)?%)$/;

/** Everything wrong with a layout, as sentences; empty when it is usable. */
export function validateLayout(layout: Layout): string[] {
  const problems: string[] = [];
  const devices = new Set<string>();
  const seenDisks = new Set<string>();
  for (const disk of layout.disks) {
    if (seenDisks.has(disk.dev)) problems.push(`disk ${disk.dev} is listed twice`);
    seenDisks.add(disk.dev);
    devices.add(disk.dev);
    if (!(disk.unit in unitBytes) && disk.unit !== "%") problems.push(`disk ${disk.dev}: unknown unit_of_measurement ${shown(disk.unit)}`);
    if (disk.labelType === "none" && disk.partitions.length > 0) problems.push(`disk ${disk.dev}: label_type none cannot hold partitions`);
    const numbers = new Set<number>();
    let growing = 0;
    let extended = 0;
    for (const part of disk.partitions) {
      const where = `disk ${disk.dev} partition ${part.num}`;
      if (numbers.has(part.num)) problems.push(`${where} is listed twice`);
      numbers.add(part.num);
      if (part.num < 1 || part.num > 128) problems.push(`${where}: number must be 1 to 128`);
      if (!SIZE.test(part.size)) problems.push(`${where}: size ${shown(part.size)} is not a number or *`);
      if (part.size === "*" && part.pType !== "extended") growing++;
      if (disk.labelType === "msdos") {
        if (part.pType === "extended") extended++;
        if (part.pType === "logical" && part.num < 5) problems.push(`${where}: a logical partition is numbered 5 or above`);
        if (part.pType !== "logical" && part.num > 4) problems.push(`${where}: primary and extended partitions are numbered 1 to 4`);
        if (part.pType === "logical" && !disk.partitions.some((p) => p.pType === "extended")) problems.push(`${where}: a logical partition needs an extended partition`);
      } else if (part.pType !== "primary") {
        problems.push(`${where}: ${disk.labelType} disks have only primary partitions`);
      }
      devices.add(partitionDevice(disk.dev, part.num));
    }
    if (growing > 1) problems.push(`disk ${disk.dev}: only one partition can have size="*"`);
    if (extended > 1) problems.push(`disk ${disk.dev}: only one extended partition is allowed`);
  }
  const raidNames = new Set(layout.raids.map((raid) => raid.name));
  for (const disk of layout.disks) {
    for (const part of disk.partitions) {
      if (part.raidDev !== undefined && !raidNames.has(part.raidDev)) problems.push(`disk ${disk.dev} partition ${part.num}: raid_dev ${part.raidDev} is not a raid of this layout`);
    }
  }
  for (const raid of layout.raids) {
    if (devices.has(raid.name)) problems.push(`raid ${raid.name} is listed twice or names a disk`);
    if (mdadmLevel(raid.level) === undefined) problems.push(`raid ${raid.name}: unknown raid_level ${shown(raid.level)} (linear, raid0/0/stripe, raid1/1/mirror, raid4/4, raid5/5, raid6/6, raid10/10)`);
    else if (raid.devices.length - raid.spares < minimumMembers(raid.level)) problems.push(`raid ${raid.name}: ${raid.level} needs at least ${minimumMembers(raid.level)} active member(s), it has ${raid.devices.length - raid.spares}`);
    if (raid.spares < 0) problems.push(`raid ${raid.name}: spare_devices cannot be negative`);
    for (const member of raid.devices) if (!devices.has(member)) problems.push(`raid ${raid.name}: member ${member} is not a partition or disk of this layout`);
    devices.add(raid.name);
  }
  const groupNames = new Set<string>();
  for (const group of layout.volumeGroups) {
    if (groupNames.has(group.name)) problems.push(`volume group ${group.name} is listed twice`);
    groupNames.add(group.name);
    const hasPv = layout.disks.some((d) => d.partitions.some((p) => p.lvmGroup === group.name)) || layout.raids.some((r) => r.lvmGroup === group.name);
    if (!hasPv) problems.push(`volume group ${group.name} has no partition or raid with lvm_group="${group.name}"`);
    let grows = 0;
    const volumeNames = new Set<string>();
    for (const lv of group.volumes) {
      if (volumeNames.has(lv.name)) problems.push(`logical volume ${group.name}/${lv.name} is listed twice`);
      volumeNames.add(lv.name);
      if (!LV_SIZE.test(lv.size)) problems.push(`logical volume ${group.name}/${lv.name}: size ${shown(lv.size)} is not understood`);
      if (lv.size === "*") grows++;
      devices.add(`/dev/${group.name}/${lv.name}`);
      devices.add(`/dev/mapper/${group.name.replace(/-/g, "--")}-${lv.name.replace(/-/g, "--")}`);
    }
    if (grows > 1) problems.push(`volume group ${group.name}: only one logical volume can have size="*"`);
  }
  const mountPoints = new Set<string>();
  for (const fs of layout.filesystems) {
    if (fs.format && fs.realDev.startsWith("/dev/") && !devices.has(fs.realDev)) {
      problems.push(`fsinfo line ${fs.line}: ${fs.realDev} is not a disk, partition, raid or volume of this layout`);
    }
    if (fs.mp.startsWith("/")) {
      if (mountPoints.has(fs.mp)) problems.push(`fsinfo: mount point ${fs.mp} is listed twice`);
      mountPoints.add(fs.mp);
    }
  }
  return problems;
}

/** /dev/sda + 1 → /dev/sda1; /dev/nvme0n1 + 1 → /dev/nvme0n1p1; /dev/loop0 + 1 → /dev/loop0p1. */
export function partitionDevice(disk: string, num: number): string {
  return /\d$/.test(disk) ? `${disk}p${num}` : `${disk}${num}`;
}
