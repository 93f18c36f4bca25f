/**
 * Software RAID levels as systemimager.disks-layout(7) names them ("linear, raid0, 0, stripe, raid1,
 * 1, mirror, raid4, 4, raid5, 5, raid6, 6"; raid10 and 10 too, as mdadm takes them) → mdadm's name.
 */
const levels: Record<string, string> = {
  linear: "linear",
  raid0: "raid0", "0": "raid0", stripe: "raid0",
  raid1: "raid1", "1": "raid1", mirror: "raid1",
  raid4: "raid4", "4": "raid4",
  raid5: "raid5", "5": "raid5",
  raid6: "raid6", "6": "raid6",
  raid10: "raid10", "10": "raid10",
};

/** mdadm's --level for a level as a layout spells it; undefined when it is none. */
export function mdadmLevel(level: string): string | undefined {
  return levels[level.toLowerCase()];
}

/** Active members a level needs at least (mdadm refuses fewer without --force). */
export function minimumMembers(level: string): number {
  return mdadmLevel(level) === "raid6" ? 4 : mdadmLevel(level) === "linear" || mdadmLevel(level) === "raid0" ? 1 : 2;
}

/** Bytes of data an array holds on active members of these sizes (before md's own metadata). */
export function arrayDataBytes(level: string, activeMemberBytes: readonly number[]): number {
  const n = activeMemberBytes.length;
  if (n === 0) return 0;
  const smallest = Math.min(...activeMemberBytes);
  switch (mdadmLevel(level)) {
    case "linear":
    case "raid0":
      return activeMemberBytes.reduce((sum, bytes) => sum + bytes, 0);
    case "raid1":
      return smallest;
    case "raid4":
    case "raid5":
      return (n - 1) * smallest;
    case "raid6":
      return (n - 2) * smallest;
    case "raid10":
      return Math.floor((n * smallest) / 2);
    default:
      return 0;
  }
}
