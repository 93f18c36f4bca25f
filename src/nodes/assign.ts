import { auditedChange, type Actor } from "../audit/record.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "../objects/quote.js";
import type { Store } from "../store/store.js";

/**
 * A discovered machine becomes a defined node, in one audited step: the node takes the machine's
 * MAC (added to its own), and its UUID and serial where the node has none; the discovered record
 * goes. Nothing is left in between where two nodes claim one machine. Then cluster.xml follows.
 */
export async function assignDiscovered(deps: { store: Store; clusterXml: string }, actor: Actor, node: string, discovered: string): Promise<{ readonly node: string; readonly mac: string }> {
  const { store } = deps;
  const result = auditedChange(store, actor, "assign", () => {
    const machine = store.getObject("node", discovered);
    if (!machine || machine["state"] !== "discovered") {
      throw new SyscloneError("UNKNOWN_OBJECT", `no discovered machine named ${quoteInput(discovered)}`, { hint: "GET /api/v1/nodes?state=discovered lists them" });
    }
    if (node === discovered) throw new SyscloneError("USAGE", "a discovered machine is assigned to another, defined node", { hint: "name the node it is" });
    const target = store.requireObject("node", node);
    if (target["state"] === "discovered") throw new SyscloneError("USAGE", `${node} is itself a discovered record`, { hint: "assign the machine to a defined node" });
    const macs = (target["mac"] ?? "").split(",").filter((mac) => mac !== "");
    const mac = (machine["mac"] ?? "").split(",")[0] ?? "";
    const fill: Record<string, string> = {};
    if (mac !== "" && !macs.includes(mac)) fill["mac"] = [...macs, mac].join(",");
    if (!target["uuid"] && machine["uuid"]) fill["uuid"] = machine["uuid"];
    if (!target["serial"] && machine["serial"]) fill["serial"] = machine["serial"];
    store.deleteObject("node", discovered);
    if (Object.keys(fill).length > 0) store.updateObject("node", node, fill);
    store.addEvent({ kind: "discovered-assigned", node, message: `discovered record ${discovered} is now ${node} (assigned by ${actor.name})` });
    return { node, mac };
  }, ["node"]);
  await exportClusterXmlFile(store, deps.clusterXml);
  return result;
}
