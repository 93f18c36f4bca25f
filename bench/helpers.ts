import { spawn, spawnSync } from "node:child_process";
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

/**
 * `cli` with each stdout line stamped with the seconds since the start: for phase timings. The stamps
 * are taken as lines arrive through a pipe, so they lag the command's own clock by a pipe write.
 */
export async function timedCli(home: string, command: string, args: string[]): Promise<{ seconds: number; lines: { at: number; text: string }[] }> {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(checkoutRoot(), "bin", `${command}.js`), ...args], { env: { ...process.env, SYSCLONE_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: { at: number; text: string }[] = [];
  let partial = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const at = seconds(start);
    const parts = (partial + chunk).split(/[\r\n]/);
    partial = parts.pop() ?? "";
    for (const text of parts) if (text !== "") lines.push({ at, text });
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`${command} ${args.join(" ")}: ${stderr}`);
  return { seconds: seconds(start), lines };
}

/** "phase a.b s, …": the time from each line matching a phase (the first seen of each) to the next, the last to `end`. */
export function phaseTimes(lines: readonly { at: number; text: string }[], pattern: RegExp, end: number): string {
  const seen: { name: string; at: number }[] = [{ name: "start", at: 0 }];
  for (const line of lines) {
    const name = pattern.exec(line.text)?.[1];
    if (name !== undefined && !seen.some((s) => s.name === name)) seen.push({ name, at: line.at });
  }
  return seen.map((s, i) => `${s.name} ${((seen[i + 1]?.at ?? end) - s.at).toFixed(2)} s`).join(", ");
}
