import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { projectRoot } from "./cli.js";

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM and wait: the orderly stop a user gets with Ctrl-C. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group: the server machine losing power. */
  kill(): Promise<void>;
}

/** `sysclone serve` as a user runs it, in its own process group; resolves once it is serving. */
export function startServe(home: string, address: string, port: number, rsyncPort: number, extraArgs: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "sysclone.js"), "serve", "--listen", `${address}:${port}`, "--rsync-port", String(rsyncPort), ...extraArgs], {
    env: { ...process.env, SYSCLONE_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const serve: ServeProcess = {
    url: `http://${address}:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sysclone serve did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("serving ")) {
        clearTimeout(timer);
        resolve(serve);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sysclone serve exited ${code}:\n${output}`));
    });
  });
}
