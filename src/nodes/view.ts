import { canSee, type NodeFacts, type Principal } from "../auth/policy.js";
import { nodeFacts, nodeFactsOf } from "../auth/node-facts.js";
import { scopedNoderangeContext } from "../auth/scope.js";
import { expandNoderange } from "../noderange/noderange.js";
import { pinnedVersionOf } from "../objects/pin.js";
import type { Attributes } from "../objects/schema.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import { nodeStatus } from "./status.js";

/** A node as the API shows it: its attributes and its provisioning status. */
export interface NodeView {
  readonly name: string;
  readonly attributes: Attributes;
  readonly status: {
    readonly state: string;
    readonly phase: string;
    readonly percent: number | null;
    readonly bytes: number | null;
    readonly lastError: string;
    readonly destiny: string;
    /** The image an install would use: the node's own osimage, else its strongest group's; "" when none. */
    readonly osimage: string;
    /** The version the node runs (reported by its clone and by updatenode -S), or null. */
    readonly imageVersion: number | null;
    /** The version nodeset pinned (osimage=NAME@N), or null: the image's current version. */
    readonly pinnedVersion: number | null;
    /** When its clone first booted from its own disk, or "". */
    readonly bootedAt: string;
  };
}

export interface NodeFilter {
  /** An xCAT noderange, expanded among the nodes the principal sees (names it cannot see are unknown). */
  readonly noderange?: string | undefined;
  readonly state?: string | undefined;
  readonly group?: string | undefined;
  /** Text found (case-insensitively) in the name, host name, IP, MACs, groups or osimage. */
  readonly q?: string | undefined;
}

const numberOrNull = (value: number | undefined): number | null => (value === undefined || !Number.isFinite(value) ? null : value);

/** The image a node installs, as the planner resolves it, without throwing: groups ordered by priority (lower wins). */
function imageOf(attributes: Attributes, groups: ReadonlyMap<string, Attributes>): string {
  if (attributes["osimage"]) return attributes["osimage"];
  const candidates = (attributes["groups"] ?? "").split(",").filter((g) => g !== "")
    .map((name, index) => ({ index, attributes: groups.get(name) }))
    .filter((g) => g.attributes?.["osimage"])
    .sort((a, b) => Number(a.attributes?.["priority"] ?? 50) - Number(b.attributes?.["priority"] ?? 50) || a.index - b.index);
  return candidates[0]?.attributes?.["osimage"] ?? "";
}

/** One node's view. Pure. */
export function nodeView(name: string, attributes: Attributes, groups: ReadonlyMap<string, Attributes>): NodeView {
  const status = nodeStatus(name, attributes);
  const osimage = imageOf(attributes, groups);
  const version = attributes["imageversion"] ? Number(attributes["imageversion"]) : undefined;
  return {
    name,
    attributes,
    status: {
      state: status.state,
      phase: status.phase,
      percent: numberOrNull(status.percent),
      bytes: numberOrNull(status.bytes),
      lastError: status.lastError,
      destiny: status.destiny,
      osimage,
      imageVersion: numberOrNull(version),
      pinnedVersion: numberOrNull(pinnedVersionOf(attributes, osimage)),
      bootedAt: status.bootedAt ?? "",
    },
  };
}

function matchesText(name: string, attributes: Attributes, q: string): boolean {
  const needle = q.toLowerCase();
  return [name, attributes["hostname"], attributes["ip"], attributes["mac"], attributes["groups"], attributes["osimage"]].some((value) => (value ?? "").toLowerCase().includes(needle));
}

/** The nodes a principal sees, filtered, in name order (or the noderange's order). */
export function listNodeViews(store: Store, principal: Principal, filter: NodeFilter = {}): NodeView[] {
  const all = store.listObjects("node");
  // One read of the nodes serves the facts, the views and the filters (a fleet of 10,000 is read once per request).
  const facts = nodeFactsOf(all, store);
  const visible = new Set(facts.filter((node) => canSee(principal, node)).map((node) => node.name));
  const byName = new Map(all.map((node) => [node.name, node.attributes]));
  const groups = new Map(store.listObjects("group").map((group) => [group.name, group.attributes]));
  const names = filter.noderange !== undefined && filter.noderange.trim() !== ""
    ? expandNoderange(filter.noderange, scopedNoderangeContext(storeNoderangeContext(store), principal, facts), { verify: true })
    : all.map((node) => node.name);
  const out: NodeView[] = [];
  for (const name of names) {
    const attributes = byName.get(name);
    if (!attributes || !visible.has(name)) continue;
    if (filter.state !== undefined && filter.state !== "" && attributes["state"] !== filter.state) continue;
    if (filter.group !== undefined && filter.group !== "" && !(attributes["groups"] ?? "").split(",").includes(filter.group)) continue;
    if (filter.q !== undefined && filter.q !== "" && !matchesText(name, attributes, filter.q)) continue;
    out.push(nodeView(name, attributes, groups));
  }
  return out;
}

/** The facts of one node the principal sees, or undefined (no such node, or out of its scope: the same). */
export function visibleNode(store: Store, principal: Principal, name: string): NodeFacts | undefined {
  const facts = nodeFacts(store, [name])[0];
  return facts && canSee(principal, facts) ? facts : undefined;
}
