import type { Inventory } from "../plan/model.js";
import type { InstallRecord } from "../store/installs.js";
import type { Store } from "../store/store.js";
import { diffInventory } from "./diff.js";
import { parseStoredInventory } from "./view.js";

/**
 * The machine as it booted for this install: the first inventory it reported (before any pre-install script changed
 * its storage), kept once per install; a change of hardware since the node's last finished install is an event.
 */
export function recordHardware(store: Store, install: InstallRecord, inventory: Inventory): Inventory {
  const known = store.inventories.ofInstall(install.id);
  if (known !== undefined) return parseStoredInventory(known.inventory) ?? inventory;
  store.transaction(() => {
    const id = store.inventories.record(install.node, "install", JSON.stringify(inventory), install.id);
    const last = store.inventories.lastInstalled(install.node, id);
    const before = last === undefined ? null : parseStoredInventory(last.inventory);
    const changes = before === null ? [] : diffInventory(before, inventory);
    if (changes.length > 0) {
      store.addEvent({ kind: "hardware-changed", node: install.node, message: `hardware changed since the install of ${last?.takenAt ?? "?"}: ${changes.map((c) => c.message).join("; ")}`, data: { changes } });
    }
  });
  return inventory;
}


/** An inventory a shell or discovery boot reported: kept, and compared with the node's last install. */
export function recordReport(store: Store, node: string, source: "shell" | "discovery", inventory: Inventory): void {
  store.transaction(() => {
    const id = store.inventories.record(node, source, JSON.stringify(inventory));
    const last = store.inventories.lastInstalled(node, id);
    const before = last === undefined ? null : parseStoredInventory(last.inventory);
    const changes = before === null ? [] : diffInventory(before, inventory);
    const summary = `${inventory.cpu ? `${inventory.cpu.count} CPUs, ` : ""}${inventory.memoryBytes !== undefined ? `${Math.round(inventory.memoryBytes / 1024 ** 2)} MiB, ` : ""}${inventory.disks.length} disk(s), ${inventory.nics.length} NIC(s)`;
    store.addEvent({ kind: "inventory", node, message: `inventory from a ${source} boot: ${summary}` });
    if (changes.length > 0) {
      store.addEvent({ kind: "hardware-changed", node, message: `hardware changed since the install of ${last?.takenAt ?? "?"}: ${changes.map((c) => c.message).join("; ")}`, data: { changes } });
    }
  });
}
