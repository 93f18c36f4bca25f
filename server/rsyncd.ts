import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { SupervisedDaemon } from "../src/exec/daemon.js";
import { writeFileAtomically } from "../src/fs/atomic.js";
import { findPostscript } from "../src/install/service.js";
import { daemonModules } from "../src/install/daemon-modules.js";
import { renderRsyncdConfig, renderSecrets } from "../src/install/rsyncd-config.js";
import type { Store } from "../src/store/store.js";

export interface RsyncdOptions {
  /** Directory for the generated config, secrets and served postscripts (under var/). */
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  readonly images: string;
  readonly overrides: string;
  readonly postscriptDirs: readonly string[];
  readonly maxConnections: number;
  readonly serverKey: Buffer;
  readonly store: Store;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/** The rsync daemon that serves images to cloning nodes: config generated from the live installs. */
export class RsyncdSupervisor {
  private daemon: SupervisedDaemon | undefined;
  private pending: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(private readonly options: RsyncdOptions) {}

  get configFile(): string {
    return path.join(this.options.dir, "rsyncd.conf");
  }

  private get pidFile(): string {
    return path.join(this.options.dir, "rsyncd.pid");
  }

  /** A daemon left by a server that was killed outright still holds the port: stop it if it is ours. */
  private async stopStaleDaemon(): Promise<void> {
    const pid = Number((await readFile(this.pidFile, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
    if (!cmdline.includes(`--config=${this.configFile}`)) return;
    this.options.log(`rsyncd: stopping the daemon (pid ${pid}) left by an earlier server`);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (existsSync(`/proc/${pid}`)) process.kill(pid, "SIGKILL");
    await rm(this.pidFile, { force: true });
  }

  private get postscriptsDir(): string {
    return path.join(this.options.dir, "postscripts");
  }

  /**
   * Rewrite config, secrets and served postscripts; serialised, so concurrent installs cannot interleave writes.
   * A failed rewrite fails its own callers only: the next one starts afresh from the live installs.
   */
  reconfigure(): Promise<void> {
    // A rewrite not yet begun reads the live installs when it begins: later callers share it (a storm of tokens, one rewrite).
    if (this.queued) return this.queued;
    const next = this.pending.then(() => {
      this.queued = undefined;
      return this.writeConfig();
    });
    this.queued = next;
    this.pending = next.catch((error: unknown) => this.options.log(`rsyncd: could not rewrite its configuration: ${error instanceof Error ? error.message : String(error)}`));
    return next;
  }

  private async writeConfig(): Promise<void> {
    const { options } = this;
    await mkdir(this.postscriptsDir, { recursive: true, mode: 0o700 });
    const { modules, secrets, postscripts } = daemonModules(options.store.installs.live(), { images: options.images, overrides: options.overrides, postscripts: this.postscriptsDir }, options.serverKey);
    for (const name of await readdir(this.postscriptsDir)) if (!postscripts.includes(name)) await rm(path.join(this.postscriptsDir, name), { force: true });
    for (const name of postscripts) {
      const source = findPostscript(options.postscriptDirs, name);
      if (!source) continue;
      await copyFile(source, path.join(this.postscriptsDir, name));
      await chmod(path.join(this.postscriptsDir, name), 0o755);
    }
    const secretsFile = path.join(options.dir, "secrets");
    await writeFileAtomically(secretsFile, renderSecrets(secrets), 0o600);
    const config = renderRsyncdConfig({ secretsFile, lockFile: path.join(options.dir, "rsyncd.lock"), pidFile: this.pidFile, maxConnections: options.maxConnections, modules });
    await writeFileAtomically(this.configFile, config, 0o600);
  }

  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    await this.stopStaleDaemon();
    await this.reconfigure();
    this.daemon = new SupervisedDaemon({
      name: "rsyncd",
      command: "rsync",
      args: ["--daemon", "--no-detach", `--config=${this.configFile}`, `--address=${this.options.address}`, `--port=${this.options.port}`, "--log-file=/dev/stderr"],
      signal: this.options.signal,
      log: this.options.log,
    });
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
  }
}
