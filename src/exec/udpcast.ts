import { execa } from "execa";
import { streamArchive } from "./archive.js";

export interface UdpSenderOptions {
  readonly root: string;
  /** The server's address on the provisioning network: udp-sender picks the interface by it. */
  readonly interfaceAddress: string;
  readonly portbase: number;
  readonly rendezvousAddress: string;
  readonly minReceivers: number;
  readonly maxWaitSeconds: number;
  /** udp-sender's --max-bitrate (e.g. 400m); empty: no cap. */
  readonly maxBitrate: string;
  /** Each line udp-sender prints (its progress lines end in \r). */
  readonly onLine: (line: string) => void;
  readonly signal: AbortSignal;
}

export function udpSenderArgs(options: Omit<UdpSenderOptions, "root" | "onLine" | "signal">): string[] {
  return [
    "--nokbd",
    "--interface", options.interfaceAddress,
    "--portbase", String(options.portbase),
    "--mcast-rdv-address", options.rendezvousAddress,
    "--min-receivers", String(options.minReceivers),
    "--max-wait", String(options.maxWaitSeconds),
    // A receiver that stops answering is dropped instead of holding the others (udpcast's default is 200).
    "--retries-until-drop", "30",
    ...(options.maxBitrate ? ["--max-bitrate", options.maxBitrate] : []),
  ];
}

/** tar | zstd | udp-sender for one image version; resolves when udp-sender ends. */
export function startUdpSender(options: UdpSenderOptions): Promise<{ exitCode: number | undefined; ok: boolean }> {
  // The archive stops with the sender: if udp-sender ends early (no receivers, killed), nothing blocks on a full pipe.
  const producers = new AbortController();
  options.signal.addEventListener("abort", () => producers.abort(), { once: true });
  const archive = streamArchive(options.root, producers.signal);
  const sender = execa("udp-sender", udpSenderArgs(options), { cancelSignal: options.signal, reject: false, stdin: "pipe", stdout: "ignore", buffer: { stderr: false } });
  if (!sender.stdin || !sender.stderr) throw new Error("udp-sender has no pipes");
  archive.stream.pipe(sender.stdin);
  sender.stdin.on("error", () => producers.abort());
  let pending = "";
  sender.stderr.setEncoding("utf8");
  sender.stderr.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/[\r\n]/);
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") options.onLine(line.trim());
  });
  return sender.then(async (result) => {
    producers.abort();
    await archive.done;
    return { exitCode: result.exitCode, ok: result.exitCode === 0 };
  });
}
