import { expect } from "vitest";
import { run } from "../../src/exec/runner.js";

/** Files (not directories) in which `copy` differs from `source`, as rsync itemises them, sorted. */
export async function changedFiles(source: string, copy: string, excludes: readonly string[] = []): Promise<string[]> {
  const result = await run("rsync", ["-naciHAXS", "--numeric-ids", "--delete", ...excludes.map((e) => `--exclude=${e}`), `${source}/`, `${copy}/`]);
  expect(result.exitCode, result.stderrTail).toBe(0);
  return result.stdoutTail
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.replace(/^\S+\s+/, ""))
    .filter((p) => !p.endsWith("/"))
    .sort();
}
