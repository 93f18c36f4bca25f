import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "./quote.js";

export type ChangeMode = "set" | "add" | "remove";

/**
 * Static group membership lives in each node's groups list (as in xCAT's nodelist table). Setting a
 * group's members= makes it exactly those nodes; -p adds them, -m takes them out. Returns the new
 * groups list of each node that changes; a member that is not a defined node is refused.
 */
export function membershipChanges(nodeGroups: ReadonlyMap<string, string>, group: string, members: readonly string[], mode: ChangeMode): Map<string, string> {
  const wanted = new Set(members);
  for (const member of wanted) {
    if (!nodeGroups.has(member)) {
      throw new SyscloneError("UNKNOWN_OBJECT", `group ${group}: member ${quoteInput(member)} is not a defined node`, { hint: `define it first (mkdef ${member} …) or leave it out of members=` });
    }
  }
  const changes = new Map<string, string>();
  for (const [node, groupsText] of nodeGroups) {
    const groups = groupsText.split(",").filter((g) => g !== "");
    const isMember = groups.includes(group);
    const shouldBe = mode === "set" ? wanted.has(node) : mode === "add" ? isMember || wanted.has(node) : isMember && !wanted.has(node);
    if (shouldBe === isMember) continue;
    changes.set(node, (shouldBe ? [...groups, group] : groups.filter((g) => g !== group)).join(","));
  }
  return changes;
}
