import { execa } from "execa";
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
  readonly env?: Record<string, string>;
  readonly input?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Called with each chunk of stdout as it arrives (progress parsing). */
  readonly onStdout?: (chunk: string) => void;
}

const TAIL = 64 * 1024;

function tail(text: string): string {
  return text.length > TAIL ? text.slice(-TAIL) : text;
}

export async function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const child = execa(command, args, {
    reject: false,
    all: false,
    stripFinalNewline: false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.input !== undefined ? { input: options.input } : { stdin: "ignore" as const }),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    buffer: { stdout: options.onStdout === undefined, stderr: true },
    killSignal: "SIGTERM",
    forceKillAfterDelay: 5000,
  });
  // The streamed output's tail, kept as chunks: joining every small chunk onto 64 KiB of text was quadratic (rsync's per-file lines).
  const streamed: string[] = [];
  let streamedLength = 0;
  if (options.onStdout) {
    const onStdout = options.onStdout;
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      streamed.push(chunk);
      streamedLength += chunk.length;
      while (streamed.length > 1 && streamedLength - (streamed[0]?.length ?? 0) >= TAIL) streamedLength -= streamed.shift()?.length ?? 0;
      onStdout(chunk);
    });
  }
  const result = await child;
  if (result.failed && result.exitCode === undefined && result.signal === undefined && result.code === "ENOENT") {
    throw new SyscloneError("TOOL_MISSING", `${command} is not installed`, { hint: "run `npm run setup` (or install the Debian package that provides it)" });
  }
  return {
    command,
    args,
    exitCode: result.exitCode,
    signal: result.signal,
    stdoutTail: options.onStdout ? tail(streamed.join("")) : tail(String(result.stdout ?? "")),
    stderrTail: tail(String(result.stderr ?? "")),
    durationMs: Date.now() - started,
  };
}
