import { SyscloneError } from "../errors/errors.js";
import { emptyContext, expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import { expandObjectNames } from "../objects/expand.js";
import { parseObjectType, type ObjectType } from "../objects/schema.js";
import { parseStanzas } from "../objects/stanza.js";
import type { Definition } from "../objects/define.js";
import { quoteInput } from "../objects/quote.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import { stringValue, type Options, type ParsedArgs } from "./command.js";
import type { Fleet } from "./backend.js";

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

/** The same, among the nodes of a fleet as the caller sees it (the local store, or the API's answer). */
export function fleetNodesOrAll(positionals: readonly string[], fleet: Pick<Fleet, "noderange" | "names">): string[] {
  return positionals.length > 0 ? expandNoderange(positionals.join(","), fleet.noderange) : fleet.names("node");
}

/** `context`: pass one in when expanding many times against the same store (it indexes all nodes). */
export function expandNames(type: ObjectType, targets: readonly string[], store: Store, context?: NoderangeContext): string[] {
  if (targets.length === 0) return [];
  return expandObjectNames(type, targets, type === "node" ? context ?? storeNoderangeContext(store) : emptyContext);
}

/** A stanza file read for mkdef -z / chdef -z: one definition per stanza, names expanded. */
export function stanzaDefinitions(text: string, _store: Store | undefined, context: NoderangeContext): Definition[] {
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
    return { type, names: expandObjectNames(type, [stanza.name], context), attributes: stanza.attributes };
  });
}

/** -z takes its names from the stanzas: names or attributes beside it are a mistake. */
export function refuseArgumentsWithStanza(command: string, args: ParsedArgs): void {
  if (args.positionals.length > 0 || stringValue(args, "objects") !== undefined || stringValue(args, "type") !== undefined) {
    throw new SyscloneError("USAGE", `${command} -z reads names, types and attributes from the stanza input; give none on the command line`, { hint: `${command} -z < stanzafile` });
  }
}
