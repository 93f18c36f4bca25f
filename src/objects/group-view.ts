import { nodeFactsOf } from "../auth/node-facts.js";
import { canSee, type Principal } from "../auth/policy.js";
import type { Store } from "../store/store.js";
import type { Attributes } from "./schema.js";

export interface GroupView {
  readonly name: string;
  /** The group's own attributes; empty for a group only named in nodes' groups lists. */
  readonly attributes: Attributes;
  /** Its members the caller sees. */
  readonly members: readonly string[];
  /** Whether the group is defined (mkdef -t group) rather than only named by its nodes. */
  readonly defined: boolean;
}

/**
 * The groups a principal sees, in name order: all of them for admins and unscoped users; for
 * scoped ones, the groups of its scope and those with a member it sees, with only those members.
 */
export function listGroupViews(store: Store, principal: Principal): GroupView[] {
  const unscoped = principal.role === "admin" || principal.groups.length === 0;
  // One read of the nodes gives every group's members: not one scan of the nodes per group.
  const nodes = store.listObjects("node");
  const facts = nodeFactsOf(nodes, store);
  const visible = new Set(facts.filter((node) => canSee(principal, node)).map((node) => node.name));
  const defined = new Map(store.listObjects("group").map((group) => [group.name, group.attributes]));
  const membersOf = new Map<string, string[]>([...defined.keys()].map((name) => [name, []]));
  for (const { name, groups } of facts) {
    for (const group of new Set(groups)) {
      const list = membersOf.get(group);
      if (list) list.push(name);
      else membersOf.set(group, [name]);
    }
  }
  const out: GroupView[] = [];
  for (const name of [...membersOf.keys()].sort()) {
    const members = (membersOf.get(name) ?? []).filter((node) => visible.has(node));
    if (!unscoped && members.length === 0 && !principal.groups.includes(name)) continue;
    out.push({ name, attributes: defined.get(name) ?? {}, members, defined: defined.has(name) });
  }
  return out;
}
