import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import ssh2 from "ssh2";
import type { Command } from "./command.js";

/** The server's SSH identity: created once, ed25519, private key mode 600. */
export async function ensureKeyPair(privateKey: string, publicKey: string, comment: string): Promise<string> {
  if (!existsSync(privateKey)) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
    await mkdir(path.dirname(privateKey), { recursive: true, mode: 0o700 });
    await writeFile(privateKey, pair.private, { mode: 0o600 });
    await chmod(privateKey, 0o600);
    await writeFile(publicKey, `${pair.public.trim()}\n`, { mode: 0o644 });
  }
  return (await readFile(publicKey, "utf8")).trim();
}

export const keys: Command = {
  name: "keys",
  summary: "print the public SSH key to put in a golden client's authorized_keys (created on first use)",
  usage: "sysclone keys [--json]",
  description: "The key pair lives in var/ssh/ (the private key mode 0600) and is created on first use. Captures and updatenode log in with it; sysclone backup keeps it.",
  options: {},
  async run(_args, deps) {
    const key = await ensureKeyPair(deps.home.privateKey, deps.home.publicKey, `sysclone@${hostname()}`);
    if (deps.out.json) deps.out.data({ publicKey: key, file: deps.home.publicKey });
    else deps.out.line(key);
    return 0;
  },
};
