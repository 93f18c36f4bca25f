import { SyscloneError } from "../errors/errors.js";
import type { ImageRepository } from "../image/repository.js";
import { resolveNodeTarget } from "../install/resolve.js";
import type { Store } from "../store/store.js";
import type { ClonePlan, Inventory } from "./model.js";
import { planClone } from "./planner.js";

export interface DryRunDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  /** The home's overrides directory. */
  readonly overridesDir: string;
}

/**
 * What a clone would do to a node, touching nothing: the planner's answer for the node as defined
 * now (its osimage, a pinned version, its transport and postscripts) and an inventory, by default
 * the one the node last reported. Throws the planner's typed refusal (DISK_TOO_SMALL, …), or
 * NO_INVENTORY when the node never reported one and none is given.
 */
export async function dryRunPlan(deps: DryRunDeps, node: string, options: { inventory?: Inventory; osimage?: string } = {}): Promise<ClonePlan> {
  const { store } = deps;
  store.requireObject("node", node);
  let inventory = options.inventory;
  let hardware: Inventory | undefined;
  if (inventory === undefined) {
    // A shell or discovery boot's report is newer than any install's; an install's own is the one its plan was made
    // from (after its pre-install scripts), else the one it booted with (an install refused before its plan).
    const reported = store.inventories.latest(node);
    const last = store.installs.latest(node);
    const text = reported !== undefined && (reported.source !== "install" || !last?.inventory) ? reported.inventory : last?.inventory;
    if (text === undefined || text === "") {
      throw new SyscloneError("NO_INVENTORY", `${node} has not reported an inventory yet`, { hint: "boot it once into the clone initrd (nodeset NODE shell), or give the disk sizes: sysclone plan NODE --disk-size 20G" });
    }
    inventory = JSON.parse(text) as Inventory;
    // hwreq holds against the machine as it booted for that install, before its pre-install scripts.
    const booted = text === last?.inventory ? store.inventories.ofInstall(last.id) : undefined;
    if (booted !== undefined) hardware = JSON.parse(booted.inventory) as Inventory;
  }
  const target = await resolveNodeTarget(store, deps.repository, deps.overridesDir, node, options.osimage);
  let uuid = 0;
  return planClone({
    ...target,
    inventory,
    ...(hardware !== undefined ? { hardware } : {}),
    serverUrl: store.setting("server_url") ?? "http://SERVER:8080",
    rsyncPort: Number(store.setting("rsync_port") ?? 8873),
    // Placeholders: the real UUIDs are drawn when the node asks for its plan.
    newUuid: () => `00000000-0000-4000-8000-${(++uuid).toString(16).padStart(12, "0")}`,
  });
}
