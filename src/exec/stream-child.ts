import { spawn } from "node:child_process";

export interface StreamingChild {
  /** Resolves with the exit status (null after a signal) when the process has ended. */
  readonly exited: Promise<number | null>;
  /** Writes `farewell` to its stdin (how the program ends itself cleanly), then SIGTERM after a grace period, then SIGKILL; resolves when it has ended. */
  stop(farewell?: string): Promise<void>;
}

/**
 * A long-running process whose output is consumed as it comes (a console being recorded). Its stdin
 * is a pipe kept open and never written, for programs that end at end-of-input; no shell.
 */
export function startStreaming(command: string, args: readonly string[], options: { env?: Record<string, string>; onOutput: (chunk: Buffer) => void }): StreamingChild {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  child.stdout.on("data", options.onOutput);
  child.stderr.on("data", options.onOutput);
  child.stdin.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  return {
    exited,
    async stop(farewell) {
      if (child.exitCode === null && child.signalCode === null) {
        if (farewell !== undefined) child.stdin.write(farewell);
        const term = setTimeout(() => child.kill("SIGTERM"), farewell !== undefined ? 3000 : 0);
        const kill = setTimeout(() => child.kill("SIGKILL"), farewell !== undefined ? 6000 : 3000);
        await exited;
        clearTimeout(term);
        clearTimeout(kill);
      }
      await exited;
    },
  };
}
