import { appendFileSync, mkdirSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { startStreaming, type StreamingChild } from "../exec/stream-child.js";
import { groupsByPriority } from "../install/resolve.js";
import { installDestinies, isInstallDestiny } from "../objects/node-state.js";
import type { Attributes } from "../objects/schema.js";
import type { Store } from "../store/store.js";
import { consoleLogPath, lastConsoleLines } from "./console-log.js";
import { CONSOLE_ESCAPE, solActivateArgs } from "./console.js";
import { ipmitoolEnv } from "./ipmitool.js";
import { bmcSettingSources, bmcTargetOf } from "./target.js";

export interface ConsoleRecorderOptions {
  readonly store: Store;
  /** The home's var/: consoles go to var/logs/NODE/console.log. */
  readonly stateDir: string;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  readonly pollMs?: number;
  /** A console.log over this size becomes console.log.1 (the one before is dropped): at most twice this per node. */
  readonly maxBytes?: number;
  /** Consoles recorded at once at most; the others wait for a free place. */
  readonly maxRecorders?: number;
}

/** The states of a node due to install, or installing, whose console serve records. */
const recordedStates = ["ready", "installing"];

/**
 * Whether serve records a node's console now: it is managed over IPMI (its own mgt or its groups')
 * and due to install or installing. Pure. `groups` is read only for a node that is due to install and
 * has a BMC. The poll reads only such nodes (Store.listNodesWithBmc) and asks this of each.
 */
export function wantsConsole(node: { name: string; attributes: Attributes }, groups: () => readonly { name: string; attributes: Attributes | undefined }[]): boolean {
  const { attributes } = node;
  if (!attributes["bmc"] || !isInstallDestiny(attributes["destiny"])) return false;
  if (!recordedStates.includes(attributes["state"] ?? "")) return false;
  return bmcSettingSources(node.name, attributes, groups()).mgt?.value === "ipmi";
}

interface Recorder {
  child: StreamingChild | undefined;
  stopped: boolean;
  done: Promise<void>;
}

/**
 * serve's console recorders: one `ipmitool sol activate` per installing node with mgt=ipmi, its
 * output appended to var/logs/NODE/console.log (bounded); restarted with a growing pause when the
 * BMC drops it, stopped when the install ends. Returns a stop that waits for them all.
 */
export function startConsoleRecorders(options: ConsoleRecorderOptions): { stop(): Promise<void>; recording(): string[] } {
  const { store, log } = options;
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const recorders = new Map<string, Recorder>();

  const append = (node: string, chunk: Buffer): void => {
    const file = consoleLogPath(options.stateDir, node);
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > maxBytes) renameSync(file, `${file}.1`);
      appendFileSync(file, chunk, { mode: 0o600 });
    } catch (error) {
      log(`console of ${node}: ${(error as Error).message}`);
    }
  };

  const record = async (node: string, recorder: Recorder): Promise<void> => {
    let pauseMs = 2000;
    while (!recorder.stopped && !options.signal.aborted) {
      let target;
      try {
        target = bmcTargetOf(store, node);
      } catch (error) {
        log(`console of ${node}: ${(error as Error).message}`);
        return;
      }
      mkdirSync(path.dirname(consoleLogPath(options.stateDir, node)), { recursive: true, mode: 0o700 });
      const started = Date.now();
      let last = "";
      const child = startStreaming("ipmitool", solActivateArgs(target), {
        env: ipmitoolEnv(target),
        onOutput: (chunk) => {
          last = (last + chunk.toString("utf8")).slice(-200);
          append(node, chunk);
        },
      });
      recorder.child = child;
      const status = await child.exited;
      recorder.child = undefined;
      if (recorder.stopped || options.signal.aborted) return;
      if (Date.now() - started > 60_000) pauseMs = 2000;
      const why = lastConsoleLines(last, 1)[0] ?? "";
      log(`console of ${node}: ipmitool sol ended (${String(status)}${why ? `: ${why}` : ""}); again in ${pauseMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, 60_000);
    }
  };

  const stopOne = async (node: string): Promise<void> => {
    const recorder = recorders.get(node);
    if (!recorder) return;
    recorder.stopped = true;
    recorders.delete(node);
    // ipmitool's escape ends the session cleanly, so the BMC frees its one console for rcons at once.
    await recorder.child?.stop(`\n${CONSOLE_ESCAPE}`);
    await recorder.done;
  };

  const poll = (): void => {
    let wanted: Set<string>;
    try {
      const nodes = store.listNodesWithBmc(installDestinies, recordedStates);
      wanted = new Set(nodes.filter((node) => wantsConsole(node, () => groupsByPriority(store, node.attributes))).map((node) => node.name));
    } catch (error) {
      log(`console recorders: ${(error as Error).message}`);
      return;
    }
    for (const node of [...recorders.keys()]) {
      if (!wanted.has(node)) void stopOne(node).then(() => log(`console of ${node}: recording stopped`));
    }
    for (const node of wanted) {
      if (recorders.has(node) || recorders.size >= (options.maxRecorders ?? 64)) continue;
      const recorder: Recorder = { child: undefined, stopped: false, done: Promise.resolve() };
      recorder.done = record(node, recorder);
      recorders.set(node, recorder);
      log(`console of ${node}: recording to ${consoleLogPath(options.stateDir, node)}`);
    }
  };

  poll();
  const timer = setInterval(poll, options.pollMs ?? 3000);
  timer.unref();
  const stopAll = async (): Promise<void> => {
    clearInterval(timer);
    await Promise.all([...recorders.keys()].map(stopOne));
  };
  options.signal.addEventListener("abort", () => void stopAll(), { once: true });
  return { stop: stopAll, recording: () => [...recorders.keys()] };
}
