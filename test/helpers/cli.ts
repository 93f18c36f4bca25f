import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run one of our built binaries the way a user does, against a given SYSCLONE_HOME. */
export function runCli(home: string, command: string, args: readonly string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", `${command}.js`), ...args], {
      env: { ...process.env, SYSCLONE_HOME: home, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Run a command that must succeed (its stderr in the failure message); its stdout. */
export async function cliOk(home: string, command: string, ...args: string[]): Promise<string> {
  const result = await runCli(home, command, args);
  expect(result.code, `${command} ${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** A fresh per-boot token for a node, as `sysclone bootargs` hands it out. */
export async function bootToken(home: string, node: string, serverUrl: string): Promise<string> {
  const line = await cliOk(home, "sysclone", "bootargs", node, "--url", serverUrl);
  const token = /sysclone\.token=(\S+)/.exec(line)?.[1];
  expect(token, line).toBeDefined();
  return token ?? "";
}
