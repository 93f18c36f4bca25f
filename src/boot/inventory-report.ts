import { SyscloneError } from "../errors/errors.js";
import { recordReport } from "../inventory/record.js";
import type { Inventory } from "../plan/model.js";
import type { Store } from "../store/store.js";
import { identify } from "./identity.js";
import type { BootState } from "./service.js";

/**
 * POST /boot/inventory: a machine booted into the clone initrd's shell (nodeset NODE shell) or a discovered one
 * reports its hardware. Unauthenticated like /boot itself: the machine is known by the MACs, DMI UUID and serial it
 * reports, and only a node whose next boot is the shell, or a discovered record, takes an inventory this way.
 */
export function receiveBootInventory(store: Store, state: BootState, inventory: Inventory): { node: string; source: "shell" | "discovery" } {
  const report = {
    macs: inventory.nics.map((nic) => nic.mac),
    ...(inventory.dmi?.uuid !== undefined ? { uuid: inventory.dmi.uuid.toLowerCase() } : {}),
    ...(inventory.dmi?.serial !== undefined ? { serial: inventory.dmi.serial } : {}),
  };
  const identity = identify(state.machines.candidates(report), report);
  if (identity.kind !== "node") {
    throw new SyscloneError("UNKNOWN_OBJECT", "this machine is not one node of this server", { hint: "define it (mkdef NODE mac=…) or let it be discovered, then nodeset NODE shell" });
  }
  const node = store.requireObject("node", identity.name);
  const source = node["state"] === "discovered" ? "discovery" : node["destiny"] === "shell" ? "shell" : undefined;
  if (source === undefined) {
    throw new SyscloneError("NOT_INSTALLING", `${identity.name} is not booted into the shell: its inventory comes with its install`, { hint: `nodeset ${identity.name} shell, then boot it` });
  }
  if (!state.events.allow(`inventory:${identity.name}`)) {
    throw new SyscloneError("RATE_LIMITED", `${identity.name} reported its inventory less than a minute ago`, { hint: "wait a minute" });
  }
  recordReport(store, identity.name, source, inventory);
  return { node: identity.name, source };
}
