import type { NodesetAction } from "../boot/destiny.js";
import type { NoderangeContext } from "../noderange/noderange.js";
import type { ChangeResult } from "../objects/change.js";
import type { Definition } from "../objects/define.js";
import type { ChangeMode } from "../objects/members.js";
import type { Attributes, ObjectType } from "../objects/schema.js";
import type { NodesetResult } from "../nodes/nodeset.js";

/**
 * The nodes, groups and osimages a command reads, as the caller may see them: the local store
 * (root sees everything), or the API's answer for a user's token (its scope only). Commands run the
 * same expansion, checks and formatting on either, so they print the same lines.
 */
export interface Fleet {
  /** For expanding noderanges: the nodes and groups the caller sees, with their attributes. */
  readonly noderange: NoderangeContext;
  /** Every object of a type the caller sees, in lsdef's order (groups: defined and named by nodes). */
  names(type: ObjectType): string[];
  /** What lsdef shows of an object (stored plus derived attributes), or undefined when the caller sees none by that name. */
  shown(type: ObjectType, name: string): Attributes | undefined;
  /** An object's stored attributes; UNKNOWN_OBJECT (worded as the store words it) when there is none. */
  requireObject(type: ObjectType, name: string): Attributes;
}

/** chdef's change: names already expanded, attributes as given. */
export interface ObjectsChange {
  readonly definitions: readonly Definition[];
  readonly mode: ChangeMode;
  readonly fromStanza: boolean;
}

export interface NodesetOrder {
  /** As the user typed it: the side that applies it expands it (in the caller's scope). */
  readonly noderange: string;
  /** As typed (the API parses it again) and parsed (already checked here). */
  readonly actionText: string;
  readonly action: NodesetAction;
  /** An admin's override of protected=yes. */
  readonly force: boolean;
  /** The number of nodes the user confirms (--confirm N); the API needs it above 50 nodes. */
  readonly confirm?: number | undefined;
}

/**
 * Where nodels, lsdef, chdef, nodeset and nodestat read and change things: the local store at the
 * server's shell, or the management API (SYSCLONE_URL and an API token). Chosen by src/cli/main.ts.
 */
export interface Backend {
  /** "local" or the server's URL, for messages. */
  readonly where: string;
  /** Reads the objects of these types (nodes and groups always come along, for noderanges). */
  fleet(types: readonly ObjectType[]): Promise<Fleet>;
  /** chdef: all or nothing, audited as the caller. */
  changeObjects(change: ObjectsChange): Promise<ChangeResult>;
  /** chdef -n. */
  renameNode(from: string, to: string): Promise<void>;
  /** nodeset: all or nothing, audited as the caller; refusals (scope, protection, confirmation) as errors. */
  setNextBoot(order: NodesetOrder): Promise<NodesetResult[]>;
}
