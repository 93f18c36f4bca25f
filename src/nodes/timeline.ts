import { describeChange } from "../audit/describe.js";
import type { Store } from "../store/store.js";

/** One line of a node's history: a change someone made (audit) or something that happened (event). */
export interface TimelineEntry {
  readonly at: string;
  /** The audit record's action (nodeset, chdef, …) or the event's kind (boot, plan, progress, finish, booted, …). */
  readonly kind: string;
  readonly source: "audit" | "event";
  readonly message: string;
  /** Who made the change (audit entries only). */
  readonly actor?: string;
}

/**
 * Who touched this node and what it did, in one list, oldest first: its audit records and its
 * boot, install and first-boot events merged by time; the newest `limit` of them.
 */
export function nodeTimeline(store: Pick<Store, "audit" | "events">, node: string, limit = 200): TimelineEntry[] {
  const audits: TimelineEntry[] = store.audit.list({ type: "node", names: [node], limit }).map((record) => ({
    at: record.at,
    kind: record.action,
    source: "audit",
    message: `${record.action} by ${record.actor} via ${record.via} from ${record.from}: ${describeChange(record.before, record.after)}`,
    actor: record.actor,
  }));
  // store.events gives the newest first: oldest first here, so events of one instant keep the order they were written in.
  const events: TimelineEntry[] = store.events({ node, limit }).reverse().map((event) => ({ at: event.at, kind: event.kind, source: "event", message: event.message }));
  // Stable: an audit record and the event its change wrote at the same instant keep that order.
  return [...audits, ...events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-limit);
}
