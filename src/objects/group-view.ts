import { nodeFacts } from "../auth/node-facts.js";
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
  const visible = new Set(nodeFacts(store).filter((node) => canSee(principal, node)).map((node) => node.name));
  const defined = new Map(store.listObjects("group").map((group) => [group.name, group.attributes]));
  const out: GroupView[] = [];
  for (const name of store.allGroupNames()) {
    const members = (store.groupMembers(name) ?? []).filter((node) => visible.has(node));
    if (!unscoped && members.length === 0 && !principal.groups.includes(name)) continue;
    out.push({ name, attributes: defined.get(name) ?? {}, members, defined: defined.has(name) });
  }
  return out;
}
