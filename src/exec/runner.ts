import { spawn } from "node:child_process";
import { SyscloneError } from "../errors/errors.js";

/** The one result shape for a process we ran. A failure is data; the caller judges it. */
export interface RunResult {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdoutTail: string;
  readonly stderrTail: string;
  readonly durationMs: number;
}

export interface RunOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: Record<string, string>;
  readonly input?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Called with each chunk of stdout as it arrives (progress parsing). */
  readonly onStdout?: (chunk: string) => void;
}

const TAIL = 64 * 1024;
/** A program told to stop (SIGTERM) that is still there this long after is killed. */
const FORCE_KILL_AFTER_MS = 5000;
/** After the program exits, how long its output may stay open (a child it left behind holding the pipe). */
const OUTPUT_GRACE_MS = 2000;

/** The last TAIL characters of a stream, kept as chunks: joining every small chunk onto 64 KiB of text was quadratic (rsync's per-file lines). */
class Tail {
  private readonly chunks: string[] = [];
  private length = 0;

  push(chunk: string): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.chunks.length > 1 && this.length - (this.chunks[0]?.length ?? 0) >= TAIL) this.length -= this.chunks.shift()?.length ?? 0;
  }

  text(): string {
    const text = this.chunks.join("");
    return text.length > TAIL ? text.slice(-TAIL) : text;
  }
}

/** Programs still running, stopped if this process exits first (a CLI must not leave an rsync behind). */
const running = new Set<{ kill(signal: NodeJS.Signals): boolean }>();
let exitHookInstalled = false;

function stopAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

/**
 * Runs a program to its end with node's own child_process (no wrapper library: loading one cost
 * every command ~150 ms of start-up). An abort or a timeout sends SIGTERM, then SIGKILL 5 s later.
 */
export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  stopAllOnExit();
  const child = spawn(command, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.add(child);
  const stdout = new Tail();
  const stderr = new Tail();
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  const onStdout = options.onStdout;
  child.stdout.on("data", (chunk: string) => {
    stdout.push(chunk);
    onStdout?.(chunk);
  });
  child.stderr.on("data", (chunk: string) => stderr.push(chunk));
  // Without input the program reads end-of-file at once; one that exits without reading its input is not an error of ours.
  child.stdin.on("error", () => undefined);
  child.stdin.end(options.input);

  let forceKill: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (child.exitCode !== null || child.signalCode !== null || forceKill) return;
    child.kill("SIGTERM");
    forceKill = setTimeout(() => child.kill("SIGKILL"), FORCE_KILL_AFTER_MS);
  };
  const timeout = options.timeoutMs ? setTimeout(stop, options.timeoutMs) : undefined;
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();

  try {
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }>((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      child.once("error", (error: NodeJS.ErrnoException) => resolve({ error }));
      child.once("exit", (code, signal) => {
        // Output still open after the exit belongs to a child it left behind: stop waiting for it.
        grace = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          resolve({ code, signal });
        }, OUTPUT_GRACE_MS);
      });
      child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(grace);
        resolve({ code, signal });
      });
    });
    if ("error" in ended) {
      if (ended.error.code === "ENOENT") {
        throw new SyscloneError("TOOL_MISSING", `${command} is not installed`, { hint: "run `npm run setup` (or install the Debian package that provides it)" });
      }
      stderr.push(`${command}: ${ended.error.message}\n`);
      return { command, args, exitCode: undefined, signal: undefined, stdoutTail: stdout.text(), stderrTail: stderr.text(), durationMs: Date.now() - started };
    }
    return {
      command,
      args,
      exitCode: ended.code ?? undefined,
      signal: ended.signal ?? undefined,
      stdoutTail: stdout.text(),
      stderrTail: stderr.text(),
      durationMs: Date.now() - started,
    };
  } finally {
    running.delete(child);
    clearTimeout(timeout);
    clearTimeout(forceKill);
    options.signal?.removeEventListener("abort", stop);
  }
}
