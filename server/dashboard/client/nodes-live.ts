/**
 * A set of nodes kept current: an event about a node re-reads that node (several events in a burst
 * cost one request; a node that answers 404 has gone or left the scope). The server writes an event
 * when a node's phase changes, not at every percent, so while nodes install their progress is read
 * again every couple of seconds: one node by itself, several with one /nodes?state=installing.
 */
import { ApiError, path, type Api } from "./api.js";
import type { Live } from "./live.js";
import type { NodeList, NodeView } from "./types.js";

export interface LiveNodes {
  readonly nodes: Map<string, NodeView>;
  stop(): void;
}

/** How often installing nodes' progress is read again. */
const PROGRESS_MS = 2000;

/** `follows`: which nodes to keep current (default: every node's). */
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
  const refresh = (name: string): void => {
    pending.add(name);
    timer ??= setTimeout(() => void flush(), 200);
  };
  const unsubscribe = live.subscribe((event) => {
    if (event.node && follows(event.node)) refresh(event.node);
  });
  const progress = setInterval(() => {
    const installing = [...nodes.values()].filter((node) => node.status.state === "installing" && follows(node.name));
    if (installing.length === 1 && installing[0]) refresh(installing[0].name);
    if (installing.length < 2) return;
    api.get<NodeList>("/nodes?state=installing").then((list) => {
      if (stopped) return;
      for (const node of list.nodes) if (follows(node.name)) nodes.set(node.name, node);
      // One that stopped installing since: its own answer says where it is now.
      for (const node of installing) if (!list.nodes.some((n) => n.name === node.name)) refresh(node.name);
      onChange();
    }, () => undefined);
  }, PROGRESS_MS);
  return {
    nodes,
    stop() {
      stopped = true;
      unsubscribe();
      clearInterval(progress);
      if (timer) clearTimeout(timer);
    },
  };
}
