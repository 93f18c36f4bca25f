import { readFile } from "node:fs/promises";
import { SyscloneError } from "../errors/errors.js";
import { checkHwreq } from "../inventory/hwreq.js";
import { locatePrescripts, prescriptDirsOf, renderPrescriptList } from "../inventory/prescripts.js";
import { recordHardware } from "../inventory/record.js";
import type { Inventory } from "../plan/model.js";
import type { InstallRecord } from "../store/installs.js";
import { resolveNodeTarget } from "./resolve.js";
import { failInstall, failureMessage, type InstallDeps } from "./service.js";

const dirsOf = (deps: InstallDeps): readonly string[] => deps.prescriptDirs ?? prescriptDirsOf(deps.home);

/**
 * POST /install/:node/prescripts: the inventory as booted is recorded and checked against hwreq (no script runs on a
 * machine that is not fit), then the node is told which pre-install scripts to run, each by name and sha256.
 */
export async function receivePrescriptRequest(deps: InstallDeps, install: InstallRecord, inventory: Inventory): Promise<string> {
  const { store } = deps;
  let step = "hwreq";
  try {
    const hardware = recordHardware(store, install, inventory);
    const target = await resolveNodeTarget(store, deps.repository, deps.home.overrides, install.node, install.osimage || undefined);
    checkHwreq(install.node, target.hwreq, hardware);
    step = "prescripts";
    const scripts = await locatePrescripts(dirsOf(deps), target.prescripts);
    if (scripts.length > 0) {
      store.updateObject("node", install.node, { state: "installing", phase: "prescripts" });
      store.addEvent({ kind: "prescripts", node: install.node, osimage: target.image.name, message: `running pre-install scripts ${scripts.map((s) => s.name).join(", ")}` });
    }
    return renderPrescriptList(scripts);
  } catch (error) {
    await failInstall(deps, install, { step, message: failureMessage(error) });
    throw error;
  }
}

/** GET /install/:node/prescripts/:name: a script the node's install was told to run (its sha256 is in the signed list). */
export async function prescriptBody(deps: InstallDeps, install: InstallRecord, name: string): Promise<Buffer> {
  const target = await resolveNodeTarget(deps.store, deps.repository, deps.home.overrides, install.node, install.osimage || undefined);
  if (!target.prescripts.includes(name)) {
    throw new SyscloneError("UNKNOWN_OBJECT", `${name} is not one of ${install.node}'s pre-install scripts`, { hint: "lsdef the node, its groups and its osimage: prescripts=" });
  }
  const [script] = await locatePrescripts(dirsOf(deps), [name]);
  return readFile(script?.file ?? "");
}
