import { createHash } from "node:crypto";
import ssh2, { type CipherAlgorithm, type Client, type ConnectConfig } from "ssh2";
import { SyscloneError } from "../errors/errors.js";

export interface SshTarget {
  readonly node: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: Buffer;
  /** "type base64" as pinned earlier; undefined pins on first use. */
  readonly pinnedHostKey: string | undefined;
  readonly readyTimeoutMs?: number;
}

export interface SshSession {
  readonly client: Client;
  /** The host key the server presented, "type base64". */
  readonly hostKey: string;
  exec(command: string, options?: { stdin?: string | Buffer }): Promise<{ code: number; stdout: Buffer; stderr: string }>;
  close(): void;
}

/** Ciphers OpenSSL accelerates come first: capture is bulk data. */
const FAST_CIPHERS: CipherAlgorithm[] = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes256-ctr", "chacha20-poly1305@openssh.com"];

/** Host key blob → "ssh-ed25519 AAAA…", the known_hosts form. */
export function formatHostKey(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  const type = blob.subarray(4, 4 + length).toString("latin1");
  return `${type} ${blob.toString("base64")}`;
}

export function connectConfig(target: SshTarget, onKey: (presented: string) => boolean): ConnectConfig {
  return {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey: target.privateKey,
    readyTimeout: target.readyTimeoutMs ?? 15_000,
    keepaliveInterval: 10_000,
    algorithms: { cipher: FAST_CIPHERS, compress: ["none"] },
    hostVerifier: (key: Buffer) => onKey(formatHostKey(key)),
  };
}

export function repinHint(node: string): string {
  return `if ${node} was really reinstalled, pin its new key with \`updatenode ${node} -k\` (or clear it: \`chdef ${node} hostkey=\`)`;
}

/** OpenSSH's form: "SHA256:" and the unpadded base64 of the key blob's digest. */
export function hostKeyFingerprint(hostKey: string): string {
  const blob = Buffer.from(hostKey.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export async function connectSsh(target: SshTarget): Promise<SshSession> {
  const client = new ssh2.Client();
  let presented = "";
  let mismatch = false;
  const config = connectConfig(target, (key) => {
    presented = key;
    if (target.pinnedHostKey && target.pinnedHostKey !== key) {
      mismatch = true;
      return false;
    }
    return true;
  });
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", (error: Error & { level?: string; code?: string }) => {
      if (mismatch) {
        reject(new SyscloneError("SSH_HOSTKEY_CHANGED", `${target.node} (${target.host}) presented a host key that differs from the pinned one`, {
          hint: repinHint(target.node),
          details: { pinned: target.pinnedHostKey, presented },
        }));
      } else if (error.level === "client-authentication") {
        reject(new SyscloneError("SSH_AUTH_REFUSED", `${target.node} (${target.user}@${target.host}) refused our SSH key`, {
          hint: "add the output of `sysclone keys` to that user's ~/.ssh/authorized_keys on the node",
        }));
      } else {
        reject(new SyscloneError("SSH_UNREACHABLE", `cannot reach ${target.node} at ${target.host}:${target.port}: ${error.message}`, {
          hint: "check that the node is up, sshd runs, and the ip/sshport attributes are right (lsdef " + target.node + ")",
          cause: error,
        }));
      }
    });
    client.connect(config);
  });
  return {
    client,
    hostKey: presented,
    exec: (command, options = {}) => execOnClient(client, command, options.stdin),
    close: () => client.end(),
  };
}

function execOnClient(client: Client, command: string, stdin: string | Buffer | undefined): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) {
        reject(new SyscloneError("SSH_COMMAND_FAILED", `could not start "${command}" over SSH: ${error.message}`));
        return;
      }
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code = -1;
      channel.on("data", (chunk: Buffer) => out.push(chunk));
      channel.stderr.on("data", (chunk: Buffer) => err.push(chunk));
      channel.on("exit", (exitCode: number | null) => {
        code = exitCode ?? -1;
      });
      channel.on("close", () => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }));
      if (stdin !== undefined) channel.end(stdin);
      else channel.end();
    });
  });
}
