import { spawn } from "node:child_process";

export interface StreamingChild {
  /** Resolves with the exit status (null after a signal) when the process has ended. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has ended. */
  stop(): Promise<void>;
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
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}
