import { SyscloneError } from "../errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import { parseObjectType, type ObjectType } from "../objects/schema.js";
import { parseStanzas } from "../objects/stanza.js";
import type { Definition } from "../objects/define.js";
import { hasControlCharacter, quoteInput } from "../objects/quote.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import { stringValue, type Options, type ParsedArgs } from "./command.js";
import { checkImageName } from "../image/names.js";

/** Flags mkdef, chdef, lsdef and rmdef share: -t TYPE and xCAT's -o NAMES (same as names given bare). */
export const objectOptions: Options = { type: { type: "string", short: "t" }, objects: { type: "string", short: "o" } };

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

/** -o NAMES and names given bare, together (xCAT accepts either). */
export function targetsOf(args: ParsedArgs, bare: readonly string[]): string[] {
  const listed = stringValue(args, "objects");
  return [...(listed === undefined ? [] : [listed]), ...bare];
}

/** The nodes a command's positionals name as a noderange, or every node when there are none. */
export function nodesOrAll(positionals: readonly string[], store: Store): string[] {
  return positionals.length > 0 ? expandNoderange(positionals.join(","), storeNoderangeContext(store)) : store.listNames("node");
}

/** `context`: pass one in when expanding many times against the same store (it indexes all nodes). */
export function expandNames(type: ObjectType, targets: readonly string[], store: Store, context?: NoderangeContext): string[] {
  if (targets.length === 0) return [];
  if (type === "node") {
    const range = targets.join(",");
    if (/\s/.test(range) || hasControlCharacter(range)) throw new SyscloneError("BAD_NODERANGE", `bad noderange ${quoteInput(range)}: it contains white space or control characters`);
    return expandNoderange(range, context ?? storeNoderangeContext(store));
  }
  return targets.flatMap((t) => t.split(",")).filter((t) => t !== "").map((name) => {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new SyscloneError("BAD_NAME", `${quoteInput(name)} is not a valid ${type} name`, { hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit" });
    return type === "osimage" ? checkImageName(name) : name;
  });
}

/** A stanza file read for mkdef -z / chdef -z: one definition per stanza, names expanded. */
export function stanzaDefinitions(text: string, store: Store, context: NoderangeContext): Definition[] {
  const stanzas = parseStanzas(text);
  if (stanzas.length === 0) {
    throw new SyscloneError("BAD_STANZA", "the stanza input defines no objects", { hint: "pipe a stanza file in: mkdef -z < file (lsdef -z writes one)" });
  }
  return stanzas.map((stanza) => {
    let type: ObjectType;
    try {
      type = parseObjectType(stanza.type);
    } catch {
      throw new SyscloneError("BAD_STANZA", `stanza ${quoteInput(stanza.name)}: objtype ${quoteInput(stanza.type)} is not one sysclone keeps`, { hint: "use objtype=node, group or osimage" });
    }
    return { type, names: expandNames(type, [stanza.name], store, context), attributes: stanza.attributes };
  });
}

/** -z takes its names from the stanzas: names or attributes beside it are a mistake. */
export function refuseArgumentsWithStanza(command: string, args: ParsedArgs): void {
  if (args.positionals.length > 0 || stringValue(args, "objects") !== undefined || stringValue(args, "type") !== undefined) {
    throw new SyscloneError("USAGE", `${command} -z reads names, types and attributes from the stanza input; give none on the command line`, { hint: `${command} -z < stanzafile` });
  }
}
