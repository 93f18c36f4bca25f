import type { Inventory, InventoryDisk } from "./model.js";

const IGNORED_DISK = /^(loop|ram|zram|sr|fd|md|dm-|nbd)/;

/**
 * Disks a clone may write, in the order golden disks map onto them (by name: an md array a pre-install script
 * assembled sorts before sd*, vd* and nvme*). A disk that belongs to an array is not a target of its own; an array
 * is, when the inventory reports it as one (raidLevel).
 */
export function candidateDisks(inventory: Inventory): InventoryDisk[] {
  return inventory.disks
    .filter((d) => d.memberOf === undefined && (d.raidLevel !== undefined || !IGNORED_DISK.test(d.name)) && d.sizeBytes > 0 && !d.removable && !d.readOnly)
    .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}
