import type { Layout } from "../layout/model.js";
import { arrayDataBytes, mdadmLevel } from "../layout/raid.js";
import type { PlannedDisk, PlannedRaid } from "./model.js";
import { MiB } from "./partitions.js";

/**
 * What md keeps for itself on each member with metadata 1.2: mdadm's data offset is at most 128 MiB
 * and shrinks on small members (about 1/1024 of them); a MiB more covers the superblock and rounding.
 */
function memberReserve(bytes: number): number {
  return Math.min(128 * MiB, Math.ceil(bytes / 1024 / MiB) * MiB) + MiB;
}

/** mdadm arrays on the target's partitions, and the bytes each holds (for LVM on RAID); spares are the last members. */
export function planRaids(layout: Layout, deviceMap: ReadonlyMap<string, string>, disks: readonly PlannedDisk[]): { raids: PlannedRaid[]; dataBytes: Map<string, number> } {
  const partitionBytes = new Map(disks.flatMap((d) => d.partitions.map((p) => [p.dev, p.sizeBytes] as const)));
  const diskBytes = new Map(disks.map((d) => [d.dev, d.sizeBytes] as const));
  const dataBytes = new Map<string, number>();
  const raids = layout.raids.map((raid): PlannedRaid => {
    const members = raid.devices.map((d) => deviceMap.get(d) ?? d);
    const active = members.slice(0, members.length - raid.spares).map((m) => partitionBytes.get(m) ?? diskBytes.get(m) ?? dataBytes.get(m));
    if (active.every((bytes): bytes is number => bytes !== undefined)) {
      dataBytes.set(raid.name, arrayDataBytes(raid.level, active.map((bytes) => Math.max(0, bytes - memberReserve(bytes)))));
    }
    return {
      dev: raid.name,
      level: mdadmLevel(raid.level) ?? raid.level,
      members,
      spares: raid.spares,
      ...(raid.chunkSize !== undefined ? { chunkSize: raid.chunkSize } : {}),
    };
  });
  return { raids, dataBytes };
}
