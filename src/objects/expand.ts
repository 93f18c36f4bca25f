import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "../image/names.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import { hasControlCharacter, quoteInput } from "./quote.js";
import type { ObjectType } from "./schema.js";

/**
 * The names mkdef, chdef, lsdef and rmdef act on: a noderange for nodes (expanded without
 * verification, so new names pass), comma lists of names for groups and osimages.
 */
export function expandObjectNames(type: ObjectType, targets: readonly string[], context: NoderangeContext): string[] {
  if (targets.length === 0) return [];
  if (type === "node") {
    const range = targets.join(",");
    if (/\s/.test(range) || hasControlCharacter(range)) throw new SyscloneError("BAD_NODERANGE", `bad noderange ${quoteInput(range)}: it contains white space or control characters`);
    return expandNoderange(range, context);
  }
  return targets.flatMap((t) => t.split(",")).filter((t) => t !== "").map((name) => {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new SyscloneError("BAD_NAME", `${quoteInput(name)} is not a valid ${type} name`, { hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" });
    return type === "osimage" ? checkImageName(name) : name;
  });
}
