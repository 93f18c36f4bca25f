import { formatBytes } from "../format/bytes.js";
import type { Inventory } from "../plan/model.js";
import type { InventoryRecord, InventorySource } from "../store/inventories.js";
import { diffInventory, type HardwareChange } from "./diff.js";

/** What `sysclone inventory` shows of one node: its newest inventory and what changed since its last install. */
export interface NodeInventoryView {
  readonly node: string;
  readonly takenAt: string | null;
  readonly source: InventorySource | null;
  readonly installId: number | null;
  readonly inventory: Inventory | null;
  /** When the inventory of the node's last finished install (before this one) was taken; null: never installed. */
  readonly lastInstallAt: string | null;
  readonly changes: readonly HardwareChange[];
}

/** What the store holds about a node's inventories (a consumer-sized slice of InventoryTable). */
export interface InventoryReader {
  latest(node: string): InventoryRecord | undefined;
  lastInstalled(node: string, beforeId?: number): InventoryRecord | undefined;
}

export function parseStoredInventory(text: string): Inventory | null {
  try {
    return JSON.parse(text) as Inventory;
  } catch {
    return null;
  }
}

export function nodeInventoryView(reader: InventoryReader, node: string): NodeInventoryView {
  const latest = reader.latest(node);
  if (latest === undefined) return { node, takenAt: null, source: null, installId: null, inventory: null, lastInstallAt: null, changes: [] };
  const inventory = parseStoredInventory(latest.inventory);
  const installed = reader.lastInstalled(node, latest.id);
  const before = installed === undefined ? null : parseStoredInventory(installed.inventory);
  return {
    node,
    takenAt: latest.takenAt,
    source: latest.source,
    installId: latest.installId === 0 ? null : latest.installId,
    inventory,
    lastInstallAt: installed?.takenAt ?? null,
    changes: inventory !== null && before !== null ? diffInventory(before, inventory) : [],
  };
}

/** The hardware in a few lines an admin reads: CPU, memory, board, each disk and NIC. */
export function describeInventory(inventory: Inventory): string[] {
  const lines: string[] = [];
  if (inventory.cpu) lines.push(`cpu       ${inventory.cpu.count} x ${inventory.cpu.model ?? "unknown model"}`);
  if (inventory.memoryBytes !== undefined) lines.push(`memory    ${formatBytes(inventory.memoryBytes)}`);
  lines.push(`firmware  ${inventory.firmware}`);
  const dmi = inventory.dmi;
  if (dmi) {
    const words = [dmi.vendor, dmi.product, dmi.serial ? `serial ${dmi.serial}` : undefined, dmi.uuid ? `uuid ${dmi.uuid}` : undefined, dmi.biosVersion ? `bios ${dmi.biosVersion}` : undefined].filter(Boolean);
    if (words.length > 0) lines.push(`dmi       ${words.join(" ")}`);
  }
  for (const disk of inventory.disks) {
    const kind = disk.raidLevel ? `md ${disk.raidLevel}` : [disk.transport, disk.rotational === undefined ? undefined : disk.rotational ? "hdd" : "ssd"].filter(Boolean).join(" ");
    const words = [disk.name, formatBytes(disk.sizeBytes), kind, disk.model, disk.serial ? `serial ${disk.serial}` : undefined, disk.memberOf ? `in ${disk.memberOf}` : undefined, disk.removable ? "removable" : undefined, disk.readOnly ? "read-only" : undefined];
    lines.push(`disk      ${words.filter((w) => w !== undefined && w !== "").join(" ")}`);
  }
  for (const nic of inventory.nics) {
    const link = nic.link === undefined ? undefined : nic.link ? `link up${nic.speedMbps !== undefined ? ` ${nic.speedMbps} Mbit/s` : ""}` : "no link";
    lines.push(`nic       ${[nic.name, nic.mac, nic.driver, link].filter(Boolean).join(" ")}`);
  }
  if (inventory.targetDirectory !== undefined) lines.push(`target    directory ${inventory.targetDirectory} (a virtual node)`);
  return lines;
}

export function describeNodeInventory(view: NodeInventoryView): string {
  if (view.inventory === null || view.takenAt === null) return `${view.node}: no inventory yet (boot it once: nodeset ${view.node} shell, or install it)`;
  const head = `${view.node}: inventory of ${view.takenAt} (${view.source ?? "?"}${view.installId !== null ? ` #${view.installId}` : ""})`;
  const since = view.lastInstallAt === null ? "" : view.changes.length === 0 ? `; unchanged since its last install (${view.lastInstallAt})` : `; HARDWARE CHANGED since its last install (${view.lastInstallAt})`;
  return [head + since, ...view.changes.map((c) => `  changed   ${c.message}`), ...describeInventory(view.inventory).map((l) => `  ${l}`)].join("\n");
}
