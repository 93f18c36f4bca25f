import type { EventKind } from "../store/event-kinds.js";
import type { EventRecord, Store } from "../store/store.js";
import { nodeFacts, type NodeFactsSource } from "./node-facts.js";
import { canSee, type Principal } from "./policy.js";

/** What an event needs for the scope check: the node it is about ("" for none, e.g. an image's). */
export interface ScopedEvent {
  readonly node: string;
}

/**
 * Which events a principal may see: those about no node, and those about nodes in its scope. An
 * event about a node that no longer exists is shown only to admins and unscoped users. The scope
 * is read again at most every `refreshMs`, so a stream following thousands of events a second
 * does not read every node each time.
 */
export function eventFilter(store: NodeFactsSource, principal: Principal, refreshMs = 2000, now: () => number = Date.now): (event: ScopedEvent) => boolean {
  if (principal.role === "admin" || principal.groups.length === 0) return () => true;
  let visible = new Set<string>();
  let readAt = -Infinity;
  return (event) => {
    if (event.node === "") return true;
    if (now() - readAt >= refreshMs) {
      visible = new Set(nodeFacts(store).filter((node) => canSee(principal, node)).map((node) => node.name));
      readAt = now();
    }
    return visible.has(event.node);
  };
}

export interface EventsQuery {
  /** Only events after this id, oldest first; without it, the newest. */
  readonly after?: number | undefined;
  readonly node?: string | undefined;
  readonly kind?: EventKind | undefined;
  readonly limit: number;
}

const BATCH = 500;

/**
 * The events a principal may see, listed oldest first: with `after`, the next `limit` after that id
 * (reading on past the ones it may not see); without, the newest `limit` among the most recent
 * ten times as many.
 */
export function visibleEvents(store: Store, principal: Principal, query: EventsQuery): EventRecord[] {
  const allowed = eventFilter(store, principal);
  const where = { ...(query.node !== undefined ? { node: query.node } : {}), ...(query.kind !== undefined ? { kind: query.kind } : {}) };
  if (query.after === undefined) {
    const newest = store.events({ ...where, limit: Math.min(query.limit * 10, 10_000) }).filter(allowed).slice(0, query.limit);
    return newest.reverse();
  }
  const out: EventRecord[] = [];
  let after = query.after;
  for (;;) {
    const batch = store.events({ ...where, after, limit: BATCH });
    for (const event of batch) {
      if (allowed(event)) out.push(event);
      if (out.length >= query.limit) return out;
    }
    const last = batch[batch.length - 1];
    if (batch.length < BATCH || !last) return out;
    after = last.id;
  }
}
