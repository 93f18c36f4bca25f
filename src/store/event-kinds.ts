import type { Stored } from "../objects/node-state.js";

/**
 * Every kind of event sysclone writes, grouped by who writes it. The stored strings are these
 * words, unchanged. Pure; Store.addEvent takes only these.
 */
export const eventKinds = [
  // boot (src/boot/service.ts)
  "boot", "boot-refused", "identity-conflict", "discovered", "discovered-assigned", "discovered-full",
  // install (src/install/service.ts, src/install/firstboot.ts)
  "token", "token-refused", "plan", "progress", "finish", "fail", "booted", "hostkey-refused",
  // hardware (src/inventory, the install and boot routes)
  "inventory", "hardware-changed", "prescripts",
  // multicast sessions (server/multicast.ts)
  "multicast-start", "multicast-join", "multicast-streaming", "multicast-end",
  // commands: nodeset, updatenode, imgcapture, rmimage
  "nodeset", "updated", "updatenode-failed", "hostkey-pinned", "captured", "image-version-removed", "image-removed",
  // rinstall --kexec (src/reinstall), sysclone media build (src/media)
  "reinstall", "reinstall-failed", "media-built",
  // BMC power, boot device and rinstall through it (src/power)
  "power", "power-failed", "bootdev", "rinstall",
] as const;
export type EventKind = (typeof eventKinds)[number];

/**
 * The kind of an event read back: one of the above, or what an earlier version wrote (before
 * hostkey-pinned, updatenode -k wrote hostkey-repinned), kept as stored.
 */
export type StoredEventKind = Stored<EventKind>;

export function isEventKind(value: string): value is EventKind {
  return (eventKinds as readonly string[]).includes(value);
}

/** What Store.events selects. */
export interface EventQuery {
  /** Only events with a larger id, oldest first (a reader resuming a stream); without it, the newest first. */
  readonly after?: number;
  readonly node?: string;
  readonly kind?: EventKind;
  /** At most this many (default 100). */
  readonly limit?: number;
}

/** An event as Store.addEvent records it. */
export interface NewEvent {
  readonly kind: EventKind;
  readonly node?: string;
  readonly osimage?: string;
  readonly message: string;
  readonly data?: Record<string, unknown>;
}
