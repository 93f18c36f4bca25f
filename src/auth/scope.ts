import type { NoderangeContext } from "../noderange/noderange.js";
import { nodeFacts, type NodeFactsSource } from "./node-facts.js";
import { assertAllowed, authorize, canSee, unknownNodes, type Action, type NodeFacts, type Principal } from "./policy.js";

/**
 * The world as a principal sees it, for expanding its noderanges: only the nodes in its scope,
 * groups with only their visible members, and a group none of whose members it sees (nor in its
 * scope list) unknown, so that `nodeset all` means all it sees and an error names only what it
 * typed. A remote principal never reads the server's files: `^file` is refused.
 */
export function scopedNoderangeContext(context: NoderangeContext, principal: Principal, facts: readonly NodeFacts[]): NoderangeContext {
  const visible = new Set(facts.filter((node) => canSee(principal, node)).map((node) => node.name));
  const unscoped = principal.role === "admin" || principal.groups.length === 0;
  const groupMembers = (name: string): readonly string[] | undefined => {
    const members = context.groupMembers(name);
    if (members === undefined) return undefined;
    const seen = members.filter((node) => visible.has(node));
    if (seen.length > 0 || unscoped || principal.groups.includes(name)) return seen;
    return undefined;
  };
  const { attribute, attributeNames, shorthand } = context;
  return {
    allNodes: context.allNodes.filter((node) => visible.has(node)),
    allGroups: (context.allGroups ?? []).filter((group) => groupMembers(group) !== undefined),
    groupMembers,
    ...(attribute && attributeNames ? { attributeNames, attribute: (node: string, name: string) => (visible.has(node) ? attribute(node, name) : "") } : {}),
    ...(shorthand ? { shorthand } : {}),
  };
}

/**
 * Checks that `principal` may do `action` to the named nodes (expanded in its scoped context) and
 * returns their facts; throws the policy's refusal otherwise. A name that is not a defined node is
 * refused as one out of scope is, as unknown.
 */
export function authorizeNodes(source: NodeFactsSource, principal: Principal, action: Action, names: readonly string[], options: { force?: boolean; confirm?: number } = {}): NodeFacts[] {
  const facts = nodeFacts(source, names);
  const decision = authorize(principal, action, { kind: "nodes", nodes: facts, ...options });
  // The role comes first, and an empty range is only empty when nothing was named.
  if (!decision.allowed && (decision.code === "FORBIDDEN" || (decision.code === "EMPTY_NODERANGE" && names.length === 0))) assertAllowed(decision);
  const seen = new Set(facts.filter((node) => canSee(principal, node)).map((node) => node.name));
  const unknown = names.filter((name) => !seen.has(name));
  if (unknown.length > 0) assertAllowed(unknownNodes(unknown));
  assertAllowed(decision);
  return facts;
}
