import { SyscloneError } from "../errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import { parseObjectType, type ObjectType } from "../objects/schema.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import { stringValue, type ParsedArgs } from "./command.js";
import { checkImageName } from "../image/names.js";

/** Shared by mkdef/chdef/lsdef/rmdef: -t TYPE, then names (a noderange for nodes). */
export function objectTypeOf(args: ParsedArgs): ObjectType {
  return parseObjectType(stringValue(args, "type") ?? "node");
}

export function splitTargetsAndAssignments(positionals: readonly string[]): { targets: string[]; assignments: string[] } {
  const targets: string[] = [];
  const assignments: string[] = [];
  for (const arg of positionals) (arg.includes("=") ? assignments : targets).push(arg);
  return { targets, assignments };
}

/** The nodes a command's positionals name as a noderange, or every node when there are none. */
export function nodesOrAll(positionals: readonly string[], store: Store): string[] {
  return positionals.length > 0 ? expandNoderange(positionals.join(","), storeNoderangeContext(store)) : store.listNames("node");
}

/** `context`: pass one in when expanding many times against the same store (it indexes all nodes). */
export function expandNames(type: ObjectType, targets: readonly string[], store: Store, context?: NoderangeContext): string[] {
  if (targets.length === 0) return [];
  if (type === "node") return expandNoderange(targets.join(","), context ?? storeNoderangeContext(store));
  return targets.flatMap((t) => t.split(",")).filter((t) => t !== "").map((name) => {
    if (type === "osimage") return checkImageName(name);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new SyscloneError("BAD_NAME", `"${name}" is not a valid ${type} name`);
    return name;
  });
}
