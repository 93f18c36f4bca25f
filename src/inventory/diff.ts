import { formatBytes } from "../format/bytes.js";
import type { Inventory, InventoryDisk } from "../plan/model.js";
import { candidateDisks } from "../plan/candidates.js";

export type HardwareChangeKind =
  | "memory-less" | "memory-more" | "cpus-fewer" | "cpus-more" | "cpu-model"
  | "disk-swapped" | "disk-removed" | "disk-added" | "disk-resized"
  | "nic-removed" | "nic-added" | "nic-speed" | "board" | "bios";

export interface HardwareChange {
  readonly kind: HardwareChangeKind;
  readonly message: string;
}

/** A drive as it was and is: its name, its serial when the drive reports one. */
const driveOf = (disk: InventoryDisk): string => `${disk.name}${disk.serial ? ` (serial ${disk.serial})` : ""}${disk.model ? ` ${disk.model}` : ""}, ${formatBytes(disk.sizeBytes)}`;

/** Drives, not arrays nor their members' roles: what a pre-install script assembles is not a change of hardware. */
function drives(inventory: Inventory): InventoryDisk[] {
  return candidateDisks({ ...inventory, disks: inventory.disks.filter((d) => d.raidLevel === undefined).map(({ memberOf: _m, ...d }) => d) });
}

function diffDisks(before: Inventory, after: Inventory): HardwareChange[] {
  const was = drives(before);
  const is = drives(after);
  const changes: HardwareChange[] = [];
  const matched = new Set<InventoryDisk>();
  for (const old of was) {
    const bySerial = old.serial ? is.find((d) => d.serial === old.serial) : undefined;
    const byName = is.find((d) => d.name === old.name);
    const now = bySerial ?? byName;
    if (now === undefined) {
      changes.push({ kind: "disk-removed", message: `disk ${driveOf(old)} is gone` });
      continue;
    }
    matched.add(now);
    if (bySerial === undefined && old.serial && now.serial && now.serial !== old.serial) {
      changes.push({ kind: "disk-swapped", message: `disk ${old.name} was swapped: serial ${old.serial} → ${now.serial}${now.model && now.model !== old.model ? ` (${now.model})` : ""}` });
    } else if (now.sizeBytes !== old.sizeBytes) {
      changes.push({ kind: "disk-resized", message: `disk ${old.name} is ${formatBytes(now.sizeBytes)}, was ${formatBytes(old.sizeBytes)}` });
    }
  }
  for (const now of is) if (!matched.has(now)) changes.push({ kind: "disk-added", message: `disk ${driveOf(now)} is new` });
  return changes;
}

function diffNics(before: Inventory, after: Inventory): HardwareChange[] {
  const changes: HardwareChange[] = [];
  for (const old of before.nics) {
    const now = after.nics.find((n) => n.mac === old.mac);
    if (now === undefined) changes.push({ kind: "nic-removed", message: `NIC ${old.name} (${old.mac}) is gone` });
    else if (old.speedMbps !== undefined && now.speedMbps !== undefined && now.speedMbps < old.speedMbps) {
      changes.push({ kind: "nic-speed", message: `NIC ${now.name} (${now.mac}) links at ${now.speedMbps} Mbit/s, was ${old.speedMbps}` });
    }
  }
  for (const now of after.nics) if (!before.nics.some((n) => n.mac === now.mac)) changes.push({ kind: "nic-added", message: `NIC ${now.name} (${now.mac}) is new` });
  return changes;
}

/** What changed in the machine between two inventories (the last install's and now): fewer or more of anything, swapped drives, another board. */
export function diffInventory(before: Inventory, after: Inventory): HardwareChange[] {
  const changes: HardwareChange[] = [];
  if (before.memoryBytes !== undefined && after.memoryBytes !== undefined && before.memoryBytes !== after.memoryBytes) {
    const less = after.memoryBytes < before.memoryBytes;
    changes.push({ kind: less ? "memory-less" : "memory-more", message: `${less ? "less" : "more"} memory: ${formatBytes(after.memoryBytes)}, was ${formatBytes(before.memoryBytes)}` });
  }
  if (before.cpu !== undefined && after.cpu !== undefined) {
    if (after.cpu.count !== before.cpu.count) {
      const fewer = after.cpu.count < before.cpu.count;
      changes.push({ kind: fewer ? "cpus-fewer" : "cpus-more", message: `${fewer ? "fewer" : "more"} CPUs: ${after.cpu.count}, was ${before.cpu.count}` });
    }
    if (before.cpu.model && after.cpu.model && before.cpu.model !== after.cpu.model) changes.push({ kind: "cpu-model", message: `CPU ${after.cpu.model}, was ${before.cpu.model}` });
  }
  changes.push(...diffDisks(before, after), ...diffNics(before, after));
  const board = (i: Inventory): string => [i.dmi?.vendor, i.dmi?.product, i.dmi?.serial, i.dmi?.uuid].map((v) => v ?? "").join("/");
  if (before.dmi !== undefined && after.dmi !== undefined && board(before) !== board(after)) {
    changes.push({ kind: "board", message: `another board: ${[after.dmi.vendor, after.dmi.product, after.dmi.serial].filter(Boolean).join(" ")}, was ${[before.dmi.vendor, before.dmi.product, before.dmi.serial].filter(Boolean).join(" ")}` });
  }
  if (before.dmi?.biosVersion && after.dmi?.biosVersion && before.dmi.biosVersion !== after.dmi.biosVersion) {
    changes.push({ kind: "bios", message: `BIOS ${after.dmi.biosVersion}, was ${before.dmi.biosVersion}` });
  }
  return changes;
}
