import { readFileSync } from "node:fs";
import { connectSsh } from "./ssh.js";
import { formatErrorLine, isSyscloneError } from "../errors/errors.js";

/**
 * rsync's --rsh: invoked as `sysclone-rsh [-l user] host command…`, it opens an ssh2
 * channel to host and pipes rsync's stdin/stdout through it. Connection details and the
 * pinned host key come from the environment the capture executor sets; no password,
 * no OpenSSH config, and the host key must match the one pinned for the node.
 */
export const rshEnvironment = {
  node: "SYSCLONE_RSH_NODE",
  port: "SYSCLONE_RSH_PORT",
  user: "SYSCLONE_RSH_USER",
  key: "SYSCLONE_RSH_KEY",
  hostKey: "SYSCLONE_RSH_HOSTKEY",
} as const;

/** The environment rsync's --rsh program reads: which node, how to log in, which host key to expect. */
export function rshEnvironmentFor(target: { node: string; port: number; user: string }, privateKeyFile: string, pinnedHostKey: string): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    [rshEnvironment.node]: target.node,
    [rshEnvironment.port]: String(target.port),
    [rshEnvironment.user]: target.user,
    [rshEnvironment.key]: privateKeyFile,
    [rshEnvironment.hostKey]: pinnedHostKey,
  };
}

export function parseRshArgs(argv: readonly string[]): { user: string | undefined; host: string; command: string } {
  let user: string | undefined;
  let i = 0;
  while (i < argv.length && (argv[i] ?? "").startsWith("-")) {
    const flag = argv[i] ?? "";
    if (flag === "-l" || flag === "-p") {
      if (flag === "-l") user = argv[i + 1];
      i += 2;
    } else i += 1;
  }
  const host = argv[i];
  if (!host) throw new Error("usage: sysclone-rsh [-l user] host command...");
  return { user, host, command: argv.slice(i + 1).join(" ") };
}

export async function rshMain(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { user, host, command } = parseRshArgs(argv);
  const pinned = env[rshEnvironment.hostKey];
  if (!pinned) {
    process.stderr.write("sysclone-rsh: no pinned host key in the environment; refusing to connect\n");
    return 255;
  }
  const session = await connectSsh({
    node: env[rshEnvironment.node] ?? host,
    host,
    port: Number(env[rshEnvironment.port] ?? 22),
    user: user ?? env[rshEnvironment.user] ?? "root",
    privateKey: readFileSync(env[rshEnvironment.key] ?? ""),
    pinnedHostKey: pinned,
  });
  return new Promise<number>((resolve) => {
    session.client.exec(command, (error, channel) => {
      if (error) {
        process.stderr.write(`sysclone-rsh: ${error.message}\n`);
        session.close();
        resolve(255);
        return;
      }
      let code = 255;
      process.stdin.pipe(channel);
      channel.pipe(process.stdout);
      channel.stderr.pipe(process.stderr);
      channel.on("exit", (exitCode: number | null) => {
        code = exitCode ?? 255;
      });
      channel.on("close", () => {
        process.stdin.unpipe(channel);
        session.close();
        resolve(code);
      });
    });
  });
}

export function runRshShim(): void {
  rshMain(process.argv.slice(2), process.env).then(
    (code) => {
      process.stdout.end(() => process.exit(code));
    },
    (error: unknown) => {
      process.stderr.write(`sysclone-rsh: ${isSyscloneError(error) ? formatErrorLine(error) : String(error)}\n`);
      process.exit(255);
    },
  );
}
