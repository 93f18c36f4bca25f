import { expandNoderange } from "../noderange/noderange.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { bootDeviceNode, powerNode, type BootDeviceAction, type PowerAction } from "./actions.js";
import { forEachBmc, type BmcDeps, type BmcFanout, type FleetResult } from "./fleet.js";

/** rpower: one power action on every node of a noderange; stat only reads, the others are events and audited. */
export async function rpower(deps: BmcDeps, request: BmcFanout & { readonly noderange: string; readonly action: PowerAction }): Promise<FleetResult> {
  const nodes = expandNoderange(request.noderange, storeNoderangeContext(deps.store));
  const { action } = request;
  return forEachBmc(deps, nodes, request, { kind: "power-failed", what: `rpower ${action}` }, async (ipmi, target) => {
    const outcome = await powerNode(ipmi, action);
    if (action === "stat") return { result: outcome.result };
    return {
      result: outcome.result,
      event: { kind: "power", node: target.node, message: `rpower ${action}: ${outcome.result}`, data: { action, ...(outcome.before ? { before: outcome.before } : {}) } },
      audit: { action: `rpower ${action}`, before: outcome.before ? { power: outcome.before } : null, after: { power: action === "off" || action === "softoff" ? "off" : "on" } },
    };
  });
}

/** rsetboot: the device every node of a noderange boots next (each boot with persistent), or stat. */
export async function rsetboot(deps: BmcDeps, request: BmcFanout & { readonly noderange: string; readonly device: BootDeviceAction; readonly persistent: boolean }): Promise<FleetResult> {
  const nodes = expandNoderange(request.noderange, storeNoderangeContext(deps.store));
  const { device, persistent } = request;
  return forEachBmc(deps, nodes, request, { kind: "power-failed", what: `rsetboot ${device}` }, async (ipmi, target) => {
    const result = await bootDeviceNode(ipmi, device, persistent);
    if (device === "stat") return { result };
    return {
      result,
      event: { kind: "bootdev", node: target.node, message: `next boot device: ${result}`, data: { device, persistent } },
      audit: { action: "rsetboot", before: null, after: { bootdev: result } },
    };
  });
}
