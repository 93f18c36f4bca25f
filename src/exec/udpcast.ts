import { execa } from "execa";
import { archiveCreateArgs } from "./archive.js";

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
  const common = { cancelSignal: options.signal, reject: false } as const;
  const tar = execa("tar", archiveCreateArgs(options.root), { ...common, stdin: "ignore", buffer: { stdout: false, stderr: true } });
  const zstd = execa("zstd", ["-q", "-1", "-T0", "-c"], { ...common, stdin: "pipe", buffer: { stdout: false, stderr: true } });
  const sender = execa("udp-sender", udpSenderArgs(options), { ...common, stdin: "pipe", stdout: "ignore", buffer: { stderr: false } });
  if (!tar.stdout || !zstd.stdin || !zstd.stdout || !sender.stdin || !sender.stderr) throw new Error("udpcast processes have no pipes");
  tar.stdout.pipe(zstd.stdin);
  zstd.stdout.pipe(sender.stdin);
  // If the sender ends early (no receivers, killed), the producers must not block on a full pipe.
  sender.stdin.on("error", () => zstd.kill());
  let pending = "";
  sender.stderr.setEncoding("utf8");
  sender.stderr.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/[\r\n]/);
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") options.onLine(line.trim());
  });
  return sender.then(async (result) => {
    zstd.kill();
    tar.kill();
    await Promise.allSettled([zstd, tar]);
    return { exitCode: result.exitCode, ok: result.exitCode === 0 };
  });
}
