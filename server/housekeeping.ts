import { expireStaleInstalls, type InstallTimeouts } from "../src/install/service.js";
import type { Store } from "../src/store/store.js";

export interface HousekeepingOptions {
  readonly store: Store;
  readonly timeouts: InstallTimeouts;
  /** Rewrites the rsync daemon's modules from the live installs. */
  readonly reconfigure: () => Promise<void>;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  /** Events older than this many days are dropped (default 90), and all but the newest `keepEvents` (default 200,000). */
  readonly eventDays?: number;
  readonly keepEvents?: number;
  readonly pollMs?: number;
  readonly sweepMs?: number;
  /** The last lines of a node's recorded console, for the event of an install that expires. */
  readonly consoleTail?: (node: string) => string[];
}

/**
 * What serve does on its own, besides answering: notices changes other processes commit (nodeset or bootargs from the
 * CLI revoke and issue tokens, and the rsync daemon must follow at once), ends installs whose node went silent, and
 * keeps the event log bounded.
 */
export function startHousekeeping(options: HousekeepingOptions): void {
  const { store, log } = options;
  const reconfigure = (): void => {
    options.reconfigure().catch(() => undefined);
  };
  let seen = store.dataVersion();
  const poll = setInterval(() => {
    const now = store.dataVersion();
    if (now === seen) return;
    seen = now;
    reconfigure();
  }, options.pollMs ?? 1000);
  const sweep = (): void => {
    try {
      const expired = expireStaleInstalls({ store, ...(options.consoleTail ? { consoleTail: options.consoleTail } : {}) }, options.timeouts);
      for (const install of expired) log(`install of ${install.node} expired (${install.state === "issued" ? "no inventory" : "no word from the node"})`);
      if (expired.length > 0) reconfigure();
      const before = new Date(Date.now() - (options.eventDays ?? 90) * 86_400_000).toISOString();
      store.pruneEvents(before, options.keepEvents ?? 200_000);
    } catch (error) {
      log(`housekeeping: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  sweep();
  const sweeper = setInterval(sweep, options.sweepMs ?? 30_000);
  poll.unref();
  sweeper.unref();
  options.signal.addEventListener("abort", () => {
    clearInterval(poll);
    clearInterval(sweeper);
  }, { once: true });
}
