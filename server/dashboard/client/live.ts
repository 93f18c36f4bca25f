/**
 * One Server-Sent Events connection to /api/v1/events/stream for the whole page. The browser
 * reconnects by itself and sends Last-Event-ID, so nothing is missed across a drop. The stream names
 * each event by its kind, and EventSource only hands over kinds it listens for: the list below is
 * checked against the server's EventKind union at type-check time, so a new kind cannot be forgotten.
 */
import type { ApiEvent, EventKind } from "./types.js";

const kinds = [
  "boot", "boot-refused", "identity-conflict", "discovered", "discovered-assigned", "discovered-full",
  "token", "token-refused", "plan", "progress", "finish", "fail", "booted", "hostkey-refused",
  "inventory", "hardware-changed", "prescripts",
  "multicast-start", "multicast-join", "multicast-streaming", "multicast-end",
  "nodeset", "updated", "updatenode-failed", "hostkey-pinned", "captured", "image-version-removed", "image-removed",
  "reinstall", "reinstall-failed", "media-built",
  "power", "power-failed", "bootdev", "rinstall",
] as const satisfies readonly EventKind[];
// Fails to compile when the server knows a kind this list lacks.
const complete: Exclude<EventKind, (typeof kinds)[number]> extends never ? true : never = true;

export type LiveState = "connecting" | "live" | "reconnecting";

export interface Live {
  /** Calls `listener` with every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: ApiEvent) => void): () => void;
  onState(listener: (state: LiveState) => void): void;
  close(): void;
}

export function openLive(url = "/api/v1/events/stream"): Live {
  const listeners = new Set<(event: ApiEvent) => void>();
  const stateListeners: ((state: LiveState) => void)[] = [];
  const source = new EventSource(url, { withCredentials: true });
  const setState = (state: LiveState): void => stateListeners.forEach((listener) => listener(state));
  const deliver = (message: MessageEvent<string>): void => {
    let event: ApiEvent;
    try {
      event = JSON.parse(message.data) as ApiEvent;
    } catch {
      return;
    }
    for (const listener of [...listeners]) listener(event);
  };
  if (complete) for (const kind of kinds) source.addEventListener(kind, deliver);
  source.addEventListener("message", deliver);
  source.addEventListener("open", () => setState("live"));
  source.addEventListener("error", () => setState(source.readyState === EventSource.CLOSED ? "connecting" : "reconnecting"));
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onState(listener) {
      stateListeners.push(listener);
    },
    close: () => source.close(),
  };
}
