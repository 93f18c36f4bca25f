import { runInteractive } from "../exec/interactive.js";
import { ipmitoolArgs, ipmitoolEnv, type BmcTarget, type IpmiCommand } from "./ipmitool.js";

/** ipmitool's escape character for SOL: "~." at the start of a line leaves, "~~" sends a "~", "~?" lists the rest. */
export const CONSOLE_ESCAPE = "~.";

/** `ipmitool … sol activate`: the node's serial console over IPMI Serial-over-LAN. Pure. */
export function solActivateArgs(target: BmcTarget): string[] {
  return ipmitoolArgs(target, ["sol", "activate"], { patient: true });
}

/**
 * rcons: the node's serial console on this terminal until the user types ~. (or the BMC ends it).
 * With force, a console session someone else holds (serve's recorder, another rcons) is ended first.
 */
export async function openConsole(target: BmcTarget, ipmi: IpmiCommand, options: { force: boolean; signal?: AbortSignal }): Promise<number> {
  if (options.force) await ipmi(["sol", "deactivate"]).catch(() => undefined);
  return runInteractive("ipmitool", solActivateArgs(target), { env: ipmitoolEnv(target), ...(options.signal ? { signal: options.signal } : {}) });
}
