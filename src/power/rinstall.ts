import { auditedChange } from "../audit/record.js";
import { rootPrincipal } from "../auth/policy.js";
import { authorizeNodes } from "../auth/scope.js";
import { parseNodesetAction } from "../boot/destiny.js";
import { expandNoderange } from "../noderange/noderange.js";
import { describeNextBoot, nodesetDeps, setNextBoot } from "../nodes/nodeset.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { bootDeviceNode, powerNode } from "./actions.js";
import { failureOf, forEachBmc, summarise, type BmcDeps, type BmcFanout, type FleetResult, type NodeResult } from "./fleet.js";
import { bmcTargetOf } from "./target.js";

export interface RinstallRequest extends BmcFanout {
  readonly noderange: string;
  /** nodeset's action text: osimage=NAME[@N], or wipe,osimage=NAME. */
  readonly actionText: string;
  /** A protected node (protected=yes) is reinstalled only with force, as with nodeset. */
  readonly force: boolean;
}

/**
 * rinstall through the BMC (xCAT's rinstall): nodeset (the next boot installs), a one-time network
 * boot, then power: on when off, reset when on. Nodes without a usable BMC definition fail alone
 * before anything is set for them; the others are nodeset all together (refused all or none, as
 * nodeset), then each fails alone at its BMC.
 */
export async function rinstallThroughBmc(deps: BmcDeps, request: RinstallRequest): Promise<FleetResult> {
  const { store, actor } = deps;
  const action = parseNodesetAction(request.actionText);
  const nodes = expandNoderange(request.noderange, storeNoderangeContext(store));
  authorizeNodes(store, rootPrincipal, "nodeset", nodes, { force: request.force, confirm: nodes.length });
  const refused = new Map<string, NodeResult>();
  for (const node of nodes) {
    try {
      bmcTargetOf(store, node);
    } catch (error) {
      refused.set(node, { node, ok: false, error: failureOf(error) });
    }
  }
  const ready = nodes.filter((node) => !refused.has(node));
  for (const result of refused.values()) {
    store.addEvent({ kind: "power-failed", node: result.node, message: `rinstall failed: ${result.error?.message ?? ""}`, data: { code: result.error?.code } });
    deps.report?.(result);
  }
  const boots = ready.length === 0 ? [] : auditedChange(store, actor, "rinstall", () => setNextBoot(nodesetDeps(store), { noderange: ready.join(","), action }), ["node"]);
  const nextBoot = new Map(boots.map((boot) => [boot.node, describeNextBoot(boot)]));
  const powered = await forEachBmc(deps, ready, request, { kind: "power-failed", what: "rinstall" }, async (ipmi, target) => {
    await bootDeviceNode(ipmi, "net", false);
    const power = await powerNode(ipmi, "boot");
    const result = `${nextBoot.get(target.node) ?? "install"}: net boot, ${power.result}`;
    return {
      result,
      event: { kind: "rinstall", node: target.node, message: `rinstall: ${result}`, data: { power: power.result } },
      audit: { action: "rinstall", before: power.before ? { power: power.before } : null, after: { power: "on", bootdev: "net" } },
    };
  });
  const byNode = new Map([...refused, ...powered.nodes.map((r) => [r.node, r] as const)]);
  return summarise(nodes.map((node) => byNode.get(node) ?? { node, ok: false, error: { code: "INTERNAL", message: "no result" } }));
}
