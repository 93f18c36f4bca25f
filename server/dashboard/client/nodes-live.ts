/**
 * A set of nodes kept current from the event stream: an event about a node re-reads that node
 * (several events in a burst cost one request), a node that answers 404 has gone or left the scope.
 */
import { ApiError, path, type Api } from "./api.js";
import type { Live } from "./live.js";
import type { NodeView } from "./types.js";

export interface LiveNodes {
  readonly nodes: Map<string, NodeView>;
  stop(): void;
}

/** `follows`: which nodes' events to act on (default: every node's). */
export function followNodes(api: Api, live: Live, initial: readonly NodeView[], onChange: () => void, follows: (name: string) => boolean = () => true): LiveNodes {
  const nodes = new Map(initial.map((node) => [node.name, node]));
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const flush = async (): Promise<void> => {
    timer = undefined;
    const names = [...pending];
    pending.clear();
    await Promise.all(names.map(async (name) => {
      try {
        nodes.set(name, await api.get<NodeView>(path`/nodes/${name}`));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) nodes.delete(name);
      }
    }));
    if (!stopped) onChange();
  };
  const unsubscribe = live.subscribe((event) => {
    if (!event.node || !follows(event.node)) return;
    pending.add(event.node);
    timer ??= setTimeout(() => void flush(), 200);
  });
  return {
    nodes,
    stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
    },
  };
}
