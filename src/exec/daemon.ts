import { execa } from "execa";

export interface DaemonOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly signal: AbortSignal;
  /** Told about starts, exits and restarts, one line each. */
  readonly log: (line: string) => void;
  readonly restartDelayMs?: number;
}

/**
 * A helper process the server keeps running: restarted when it dies, stopped (TERM, then KILL)
 * when the signal aborts. The child dies with us: it gets SIGKILL if Node exits first.
 */
export class SupervisedDaemon {
  private child: { readonly pid?: number | undefined; kill(signal: NodeJS.Signals): boolean } | undefined;
  private stopped = false;
  private lastStderr = "";
  private readonly exited: Promise<void>;

  constructor(private readonly options: DaemonOptions) {
    this.exited = this.loop();
  }

  private async loop(): Promise<void> {
    const { options } = this;
    while (!this.stopped && !options.signal.aborted) {
      const started = Date.now();
      const child = execa(options.command, options.args, {
        reject: false,
        stdin: "ignore",
        cancelSignal: options.signal,
        forceKillAfterDelay: 3000,
        cleanup: true,
        buffer: false,
      });
      this.child = child;
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        this.lastStderr = (this.lastStderr + chunk).slice(-2000);
      });
      options.log(`${options.name}: started (pid ${child.pid ?? "?"})`);
      const result = await child;
      this.child = undefined;
      if (this.stopped || options.signal.aborted) break;
      options.log(`${options.name}: exited (${result.exitCode ?? result.signal ?? "?"}) ${this.lastStderr.trim().split("\n").at(-1) ?? ""}; restarting`);
      await new Promise((resolve) => setTimeout(resolve, Date.now() - started < 2000 ? (options.restartDelayMs ?? 1000) : 100));
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child?.kill("SIGTERM");
    await this.exited;
  }
}
