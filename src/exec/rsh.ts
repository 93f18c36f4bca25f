import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";
import { pinnedHostKeys } from "./host-keys.js";

/**
 * rsync's --rsh for imgcapture and updatenode is bin/sysclone-rsh: OpenSSH, told by these variables
 * which key to log in with and which known_hosts file to trust. The file holds only the node's pinned
 * host keys, under one alias (the script's HostKeyAlias), so no other key is accepted whatever the
 * address. OpenSSH rather than an ssh2 channel in a Node process: that cost 0.2 s of start-up and a
 * second handshake's CPU in Node for every rsync.
 */
export const rshEnvironment = {
  port: "SYSCLONE_RSH_PORT",
  user: "SYSCLONE_RSH_USER",
  key: "SYSCLONE_RSH_KEY",
  knownHosts: "SYSCLONE_RSH_KNOWN_HOSTS",
} as const;

/** The name bin/sysclone-rsh gives OpenSSH (HostKeyAlias) to look the pinned keys up by. */
export const PINNED_HOST_ALIAS = "sysclone-pinned";

/** known_hosts lines for the pinned keys ("type base64", several joined by ","): refused if any is not one. */
export function knownHostsLines(pinnedHostKey: string): string {
  const keys = pinnedHostKeys(pinnedHostKey);
  if (keys.length === 0 || keys.some((key) => !/^[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,2}$/.test(key))) {
    throw new SyscloneError("BAD_HOSTKEY", "the node's pinned host key is not \"type base64\"", { hint: "clear it (chdef NODE hostkey=) and let the next connection pin it, or pin it with updatenode NODE -k --fingerprint" });
  }
  return keys.map((key) => `${PINNED_HOST_ALIAS} ${key}\n`).join("");
}

/**
 * Runs `use` with the environment rsync needs to reach the node through bin/sysclone-rsh; the
 * known_hosts file lives in a private directory of its own, removed afterwards.
 */
export async function withRshEnvironment<T>(
  target: { readonly port: number; readonly user: string },
  privateKeyFile: string,
  pinnedHostKey: string,
  use: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const lines = knownHostsLines(pinnedHostKey);
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-rsh-"));
  try {
    const knownHosts = path.join(dir, "known_hosts");
    await writeFile(knownHosts, lines, { mode: 0o600 });
    return await use({
      [rshEnvironment.port]: String(target.port),
      [rshEnvironment.user]: target.user,
      [rshEnvironment.key]: privateKeyFile,
      [rshEnvironment.knownHosts]: knownHosts,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
