import { run, type RunResult } from "../exec/runner.js";
import { ipmiFailure } from "./parse.js";

/** How sysclone reaches one node's BMC. The password is clear text here only, and goes to ipmitool through its environment. */
export interface BmcTarget {
  readonly node: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** IPMI 2.0 cipher suite (ipmitool -C): 3 by default; ipmi_sim answers only 3, newer BMCs may want 17. */
  readonly cipher: number;
}

/** Seconds ipmitool waits for each answer, and how many times it asks again: an unreachable BMC fails in about 4 s. */
export const IPMI_TIMEOUT_SECONDS = 2;
export const IPMI_RETRIES = 1;
export const CONSOLE_TIMEOUT_SECONDS = 5;
export const CONSOLE_RETRIES = 3;

/**
 * ipmitool's arguments for one command on one BMC. -E: the password comes from IPMI_PASSWORD in the
 * child's environment, never from the command line. -v only for commands whose output we parse by
 * line: it names why a session failed (bad password, unknown user, no answer). Pure.
 */
export function ipmitoolArgs(target: Omit<BmcTarget, "password" | "node">, command: readonly string[], options: { verbose?: boolean; patient?: boolean } = {}): string[] {
  // A console session is long: a BMC slow to answer one keepalive should not end it.
  const [timeout, retries] = options.patient ? [CONSOLE_TIMEOUT_SECONDS, CONSOLE_RETRIES] : [IPMI_TIMEOUT_SECONDS, IPMI_RETRIES];
  return [
    ...(options.verbose ? ["-v"] : []),
    "-I", "lanplus",
    "-C", String(target.cipher),
    "-H", target.host,
    "-p", String(target.port),
    "-U", target.username,
    "-E",
    "-N", String(timeout),
    "-R", String(retries),
    ...command,
  ];
}

/** The child's environment for a target: its password, and nothing of it anywhere else. */
export function ipmitoolEnv(target: Pick<BmcTarget, "password">): Record<string, string> {
  return { IPMI_PASSWORD: target.password };
}

/** Runs one ipmitool command against a BMC; what it printed on success, a typed error (the BMC named) otherwise. */
export type IpmiCommand = (command: readonly string[]) => Promise<string>;

export function ipmitoolCommand(target: BmcTarget, options: { signal?: AbortSignal } = {}): IpmiCommand {
  return async (command) => {
    const result: RunResult = await run("ipmitool", ipmitoolArgs(target, command, { verbose: true }), {
      env: ipmitoolEnv(target),
      timeoutMs: 30_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result.exitCode === 0) return result.stdoutTail;
    throw ipmiFailure(`${target.host}:${target.port}`, result.stdoutTail + result.stderrTail, command);
  };
}
