import path from "node:path";
import type { ImageRepository } from "../src/image/repository.js";
import type { MulticastAnswer, MulticastJoin } from "../src/install/multicast-join.js";
import { startUdpSender } from "../src/exec/udpcast.js";
import type { EventKind } from "../src/store/event-kinds.js";
import type { Store } from "../src/store/store.js";

interface Session {
  readonly id: string;
  readonly osimage: string;
  readonly version: number;
  readonly portbase: number;
  state: "forming" | "streaming";
  readonly receivers: Set<string>;
  readonly startedAt: number;
  connections: number;
  bytes: number;
  retransmits: number;
  retransmitPercent: number;
}

export interface MulticastOptions {
  readonly interfaceAddress: string;
  readonly basePort: number;
  readonly rendezvousAddress: string;
  readonly repository: ImageRepository;
  readonly store: Store;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

const attribute = (attributes: Record<string, string> | undefined, name: string, fallback: number): number => {
  const value = Number(attributes?.[name] ?? "");
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/**
 * udp-sender sessions, one per image version at a time. A node reaching the pull step joins the
 * session that is still forming, or starts one; once a session streams, later nodes are told to
 * wait for the next (udpcast cannot join a stream mid-way), and fall back to rsync after their
 * own wait. Every session's start, receivers, end and result are logged and recorded as events.
 */
export class MulticastSessions {
  private readonly sessions = new Map<string, Session>();
  private sequence = 0;
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: MulticastOptions) {}

  readonly join: MulticastJoin = ({ node, osimage, version }) => {
    const key = `${osimage}@${version}`;
    const current = this.sessions.get(key);
    if (current?.state === "forming") {
      current.receivers.add(node);
      this.record(current, "multicast-join", `${node} joined multicast session ${current.id}`);
      return { kind: "join", session: current.id, portbase: current.portbase, address: this.options.rendezvousAddress };
    }
    if (current) return { kind: "wait", retrySeconds: 5, reason: `session ${current.id} is already streaming` };
    return this.open(node, osimage, version);
  };

  private open(node: string, osimage: string, version: number): MulticastAnswer {
    const { store } = this.options;
    const image = store.getObject("osimage", osimage);
    const expected = store.installs.live().filter((i) => i.osimage === osimage && i.version === version).length;
    const minReceivers = attribute(image, "mcastminreceivers", Math.max(1, expected));
    const maxWaitSeconds = attribute(image, "mcastmaxwait", 30);
    this.sequence++;
    const session: Session = {
      id: `${osimage}-v${version}-${this.sequence}`,
      osimage,
      version,
      portbase: this.options.basePort + 2 * (this.sequence % 500),
      state: "forming",
      receivers: new Set([node]),
      startedAt: Date.now(),
      connections: 0,
      bytes: 0,
      retransmits: 0,
      retransmitPercent: 0,
    };
    this.sessions.set(`${osimage}@${version}`, session);
    this.record(session, "multicast-start", `multicast session ${session.id} forming: waiting up to ${maxWaitSeconds} s for ${minReceivers} receiver(s), port ${session.portbase}`, { minReceivers, maxWaitSeconds });
    const done = startUdpSender({
      root: path.join(this.options.repository.versionDir(osimage, version), "root"),
      interfaceAddress: this.options.interfaceAddress,
      portbase: session.portbase,
      rendezvousAddress: this.options.rendezvousAddress,
      minReceivers,
      maxWaitSeconds,
      maxBitrate: image?.["mcastrate"] ?? "",
      signal: this.options.signal,
      onLine: (line) => this.onSenderLine(session, line),
    }).then(
      (result) => this.close(session, result.ok ? "complete" : `udp-sender exited ${result.exitCode ?? "on a signal"}`),
      (error: unknown) => this.close(session, `udp-sender failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return { kind: "join", session: session.id, portbase: session.portbase, address: this.options.rendezvousAddress };
  }

  private onSenderLine(session: Session, line: string): void {
    if (line.startsWith("New connection from")) session.connections++;
    if (line.startsWith("Starting transfer")) {
      session.state = "streaming";
      this.record(session, "multicast-streaming", `multicast session ${session.id} streaming to ${session.connections} receiver(s): ${[...session.receivers].sort().join(", ")}`);
    }
    const progress = /^bytes=\s*([\d ]+)\s+re-xmits=(\d+)\s+\(\s*([\d.]+)%\)/.exec(line);
    if (progress) {
      session.bytes = Number((progress[1] ?? "0").replace(/ /g, ""));
      session.retransmits = Number(progress[2]);
      session.retransmitPercent = Number(progress[3]);
    }
  }

  private close(session: Session, result: string): void {
    if (this.sessions.get(`${session.osimage}@${session.version}`) === session) this.sessions.delete(`${session.osimage}@${session.version}`);
    const seconds = (Date.now() - session.startedAt) / 1000;
    const summary = `multicast session ${session.id} ended (${result}): ${session.bytes} bytes to ${session.connections} receiver(s) in ${seconds.toFixed(1)} s, ${session.retransmits} retransmitted slices (${session.retransmitPercent}%)`;
    this.record(session, "multicast-end", summary, { result, bytes: session.bytes, receivers: [...session.receivers], retransmits: session.retransmits, seconds });
    const { store } = this.options;
    for (const node of session.receivers) {
      if (store.getObject("node", node)) store.updateObject("node", node, { mcastretransmits: `${session.retransmits} (${session.retransmitPercent}%) in ${session.id}` });
    }
  }

  private record(session: Session, kind: EventKind, message: string, data: Record<string, unknown> = {}): void {
    this.options.log(message);
    this.options.store.addEvent({ kind, osimage: session.osimage, message, data: { session: session.id, ...data } });
  }

  /** Stops every sender (the server's signal aborts them) and waits for them to end. */
  async closed(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
