import { createHash } from "node:crypto";
import ssh2, { type CipherAlgorithm, type Client, type ConnectConfig } from "ssh2";
import { SyscloneError } from "../errors/errors.js";
import { pinnedHostKeys } from "./host-keys.js";

export interface SshTarget {
  readonly node: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: Buffer;
  /** The node's pinned host keys ("type base64", several joined by ","); undefined pins on first use. */
  readonly pinnedHostKey: string | undefined;
  /** "SHA256:…": the key presented must have this fingerprint, whatever is pinned (`updatenode -k --fingerprint`). */
  readonly expectedFingerprint?: string;
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
  return `a reinstalled node pins its new key when its first boot reports in; otherwise read the key on ${node}'s console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it: \`updatenode ${node} -k --fingerprint SHA256:…\` (or clear it: \`chdef ${node} hostkey=\`)`;
}

/** OpenSSH's form: "SHA256:" and the unpadded base64 of the key blob's digest. */
export function hostKeyFingerprint(hostKey: string): string {
  const blob = Buffer.from(hostKey.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

export { pinnedHostKeys };

/** The fingerprints of a `hostkey` attribute, for messages and events ("none" when empty). */
export function describeHostKeys(value: string | undefined): string {
  const keys = pinnedHostKeys(value);
  return keys.length === 0 ? "none" : keys.map(hostKeyFingerprint).join(", ");
}

export function isPinnedHostKey(pinned: string | undefined, presented: string): boolean {
  return pinnedHostKeys(pinned).includes(presented);
}

const HOST_KEY_TYPES = new Set(["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]);

/**
 * A public host key as a node reports it ("type base64 [comment]", an OpenSSH .pub line) →
 * "type base64", the form that is pinned; anything else is BAD_HOSTKEY.
 */
export function parseHostKey(text: string): string {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  const refuse = (why: string): never => {
    throw new SyscloneError("BAD_HOSTKEY", `${shown} is not an SSH public host key: ${why}`, { hint: "send the contents of /etc/ssh/ssh_host_*_key.pub: \"type base64\"" });
  };
  const [type = "", blob = "", ...rest] = text.trim().split(/[ \t]+/);
  if (rest.some((word) => /[^\x20-\x7e]/.test(word))) refuse("its comment holds control characters");
  if (!HOST_KEY_TYPES.has(type)) refuse(`the type is not one of ${[...HOST_KEY_TYPES].join(", ")}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) refuse("the key is not base64");
  let parsed: ReturnType<typeof ssh2.utils.parseKey>;
  try {
    parsed = ssh2.utils.parseKey(`${type} ${blob}`);
  } catch {
    return refuse("it does not parse");
  }
  if (parsed instanceof Error || Array.isArray(parsed)) return refuse("it does not parse");
  if (parsed.isPrivateKey() || parsed.type !== type || parsed.getPublicSSH().toString("base64") !== blob) refuse("it does not parse as a public key of its type");
  return `${type} ${blob}`;
}

/** `--fingerprint`: OpenSSH's "SHA256:" and 43 characters of unpadded base64. */
export function parseFingerprint(text: string): string {
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) {
    throw new SyscloneError("BAD_HOSTKEY", `${JSON.stringify(text.slice(0, 80))} is not a host key fingerprint`, { hint: "give it as ssh-keygen -lf shows it on the node: SHA256: and 43 characters" });
  }
  return text;
}

export async function connectSsh(target: SshTarget): Promise<SshSession> {
  const client = new ssh2.Client();
  let presented = "";
  let mismatch: "pinned" | "fingerprint" | undefined;
  const config = connectConfig(target, (key) => {
    presented = key;
    if (target.expectedFingerprint !== undefined) {
      if (hostKeyFingerprint(key) !== target.expectedFingerprint) mismatch = "fingerprint";
    } else if (target.pinnedHostKey && !isPinnedHostKey(target.pinnedHostKey, key)) mismatch = "pinned";
    return mismatch === undefined;
  });
  await new Promise<void>((resolve, reject) => {
    client.once("ready", () => resolve());
    client.once("error", (error: Error & { level?: string; code?: string }) => {
      if (mismatch === "fingerprint") {
        reject(new SyscloneError("SSH_HOSTKEY_CHANGED", `${target.node} (${target.host}) presented host key ${hostKeyFingerprint(presented)}, not the expected ${target.expectedFingerprint ?? ""}`, {
          hint: `nothing was pinned; check the fingerprint on ${target.node}'s console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)`,
          details: { expected: target.expectedFingerprint, presented },
        }));
      } else if (mismatch === "pinned") {
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
