import { formatBytes } from "../format/bytes.js";
import type { Destiny, NodeState, Stored } from "../objects/node-state.js";
import type { Attributes, ObjectType } from "../objects/schema.js";

/** A node's provisioning status as nodestat shows it (and --json prints it, field for field). */
export interface NodeStatus {
  readonly node: string;
  readonly state: Stored<NodeState>;
  /** Empty when nodeset has never been run for the node. */
  readonly destiny: Stored<Destiny | "">;
  /** The clone phase last reported, or empty. */
  readonly phase: string;
  readonly percent?: number;
  readonly bytes?: number;
  readonly lastError: string;
  /** When the clone's first boot from its own disk reported in. */
  readonly bootedAt?: string;
  readonly multicast?: {
    readonly session: string;
    readonly rateBytesPerSecond?: number;
    /** As the node reported it. */
    readonly retransmits?: string;
  };
}

/** What nodestat needs from the store. */
export interface NodeStatusSource {
  requireObject(type: ObjectType, name: string): Attributes;
}

/** Each named node's status, in the order given; UNKNOWN_OBJECT for a name that is no node. */
export function nodeStatuses(source: NodeStatusSource, names: readonly string[]): NodeStatus[] {
  return names.map((name) => nodeStatus(name, source.requireObject("node", name)));
}

const numberOrAbsent = (value: string | undefined): number | undefined => (value === "" || value === undefined ? undefined : Number(value));

/** A node's status from its attributes. Pure. */
export function nodeStatus(node: string, attributes: Attributes): NodeStatus {
  const percent = numberOrAbsent(attributes["percent"]);
  const bytes = numberOrAbsent(attributes["bytes"]);
  const session = attributes["mcastsession"];
  const retransmits = attributes["mcastretransmits"];
  return {
    node,
    state: attributes["state"] ?? "",
    destiny: attributes["destiny"] ?? "",
    phase: attributes["phase"] ?? "",
    ...(percent !== undefined ? { percent } : {}),
    ...(bytes !== undefined ? { bytes } : {}),
    lastError: attributes["lasterror"] ?? "",
    ...(attributes["bootedat"] ? { bootedAt: attributes["bootedat"] } : {}),
    ...(session ? {
      multicast: {
        session,
        ...(attributes["mcastrate"] ? { rateBytesPerSecond: Number(attributes["mcastrate"]) } : {}),
        ...(retransmits ? { retransmits } : {}),
      },
    } : {}),
  };
}

/** nodestat's line for a node: "n01: installing (rsync 42% 117.7 MiB); multicast s1 at 1.0 MiB/s — last error". Pure. */
export function describeNodeStatus(status: NodeStatus): string {
  const progress = [status.phase, status.percent === undefined ? "" : `${status.percent}%`, status.bytes ? formatBytes(status.bytes) : ""].filter((p) => p !== "").join(" ");
  const multicast = status.multicast;
  const mcast = multicast
    ? `; multicast ${multicast.session}${multicast.rateBytesPerSecond ? ` at ${formatBytes(multicast.rateBytesPerSecond)}/s` : ""}${multicast.retransmits ? `, retransmits ${multicast.retransmits}` : ""}`
    : "";
  const booted = status.state === "booted" && status.bootedAt ? ` at ${status.bootedAt}` : "";
  return `${status.node}: ${status.state}${booted}${progress ? ` (${progress})` : ""}${mcast}${status.lastError ? ` — ${status.lastError}` : ""}`;
}
