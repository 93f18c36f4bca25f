import { SyscloneError } from "../errors/errors.js";
import { formatBytes } from "../format/bytes.js";
import type { Layout, LogicalVolume } from "../layout/model.js";
import { partitionDevice } from "../layout/validate.js";
import type { PlannedDisk, PlannedLogicalVolume, PlannedVolumeGroup } from "./model.js";
import { MiB } from "./partitions.js";

const binary: Record<string, number> = { K: 1024, M: MiB, G: 1024 ** 3, T: 1024 ** 4 };

/** "512M", "10G", "2048K" (LVM's binary units) → bytes; a bare number is MiB, as lvcreate -L reads it. */
export function lvSizeBytes(size: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(size);
  if (!match) throw new SyscloneError("BAD_LAYOUT", `logical volume size "${size}" is not understood`);
  return Math.round(Number(match[1]) * (binary[(match[2] || "M").toUpperCase()] ?? MiB));
}

function extentBytes(extentSize: string): number {
  return extentSize === "" ? 4 * MiB : lvSizeBytes(extentSize);
}

function planVolume(lv: LogicalVolume): PlannedLogicalVolume {
  if (lv.size === "*") return { name: lv.name, extents: "100%FREE" };
  if (lv.size.endsWith("%")) return { name: lv.name, extents: `${lv.size}VG` };
  return { name: lv.name, sizeBytes: lv.sizeBytes ?? lvSizeBytes(lv.size) };
}

/**
 * Volume groups on the target's physical volumes (partitions, and md arrays for LVM on RAID, whose
 * sizes `raidBytes` gives); fixed volumes first, the growing one last.
 */
export function planVolumeGroups(layout: Layout, deviceMap: ReadonlyMap<string, string>, disks: readonly PlannedDisk[], raidBytes: ReadonlyMap<string, number> = new Map()): PlannedVolumeGroup[] {
  const partitionBytes = new Map([...disks.flatMap((d) => d.partitions.map((p) => [p.dev, p.sizeBytes] as const)), ...raidBytes]);
  return layout.volumeGroups.map((group) => {
    const goldenPvs = [
      ...layout.disks.flatMap((disk) => disk.partitions.filter((p) => p.lvmGroup === group.name).map((p) => partitionDevice(disk.dev, p.num))),
      ...layout.raids.filter((raid) => raid.lvmGroup === group.name).map((raid) => raid.name),
    ];
    const physicalVolumes = goldenPvs.map((dev) => deviceMap.get(dev) ?? dev);
    const volumes = group.volumes.map(planVolume).sort((a, b) => Number(a.extents === "100%FREE") - Number(b.extents === "100%FREE"));
    const extent = extentBytes(group.extentSize);
    const capacity = physicalVolumes.reduce((sum, pv) => sum + Math.floor(Math.max(0, (partitionBytes.get(pv) ?? Infinity) - MiB) / extent) * extent, 0);
    const fixed = volumes.reduce((sum, lv) => sum + Math.ceil((lv.sizeBytes ?? 0) / extent) * extent, 0);
    if (fixed > capacity) {
      throw new SyscloneError("DISK_TOO_SMALL", `volume group ${group.name} holds ${formatBytes(capacity)} on the target but its fixed logical volumes need ${formatBytes(fixed)}`, {
        hint: "use larger disks, or give the layout's logical volumes smaller sizes",
      });
    }
    return { name: group.name, physicalVolumes, extentSize: group.extentSize, volumes };
  });
}
