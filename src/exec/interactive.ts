import { execa } from "execa";
import { SyscloneError } from "../errors/errors.js";

/**
 * A program that talks to the user's terminal itself (a serial console): our stdin, stdout and
 * stderr are its own. Returns its exit status; the abort signal ends it.
 */
export async function runInteractive(command: string, args: readonly string[], options: { env?: Record<string, string>; signal?: AbortSignal } = {}): Promise<number> {
  const result = await execa(command, args, {
    reject: false,
    stdio: "inherit",
    ...(options.env ? { env: options.env } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    forceKillAfterDelay: 3000,
  });
  if (result.failed && result.exitCode === undefined && result.code === "ENOENT") {
    throw new SyscloneError("TOOL_MISSING", `${command} is not installed`, { hint: "run `npm run setup` (or install the Debian package that provides it)" });
  }
  return result.exitCode ?? 130;
}
