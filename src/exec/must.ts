import { SyscloneError } from "../errors/errors.js";
import { run, type RunOptions, type RunResult } from "./runner.js";

/** Run a command that has to succeed; its failure becomes an error carrying its stderr. */
export async function must(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.exitCode !== 0) {
    throw new SyscloneError("INTERNAL", `${command} ${args.join(" ")} failed (exit ${result.exitCode ?? result.signal ?? "?"}): ${result.stderrTail.trim().slice(-400)}`);
  }
  return result;
}
