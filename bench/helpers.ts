import { spawnSync } from "node:child_process";
import path from "node:path";
import { checkoutRoot } from "../src/config/paths.js";

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** One of our commands against a given SYSCLONE_HOME; its stdout, or an error with its stderr. */
export function cli(home: string, command: string, args: string[]): string {
  const result = spawnSync(process.execPath, [path.join(checkoutRoot(), "bin", `${command}.js`), ...args], { env: { ...process.env, SYSCLONE_HOME: home }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}
