import { describe, expect, it } from "vitest";
import { run } from "../../src/exec/runner.js";
import { isSyscloneError } from "../../src/errors/errors.js";

describe("run: one process, its result as data", () => {
  it("gives the exit code, both outputs and the input it was fed", async () => {
    const result = await run("sh", ["-c", 'read line; echo "got $line"; echo oops >&2; exit 3'], { input: "hello\n" });
    expect(result).toMatchObject({ exitCode: 3, signal: undefined, stdoutTail: "got hello\n", stderrTail: "oops\n" });
  });

  it("adds its env to this process's environment", async () => {
    const result = await run("sh", ["-c", 'echo "$SC_RUNNER_TEST $PATH"'], { env: { SC_RUNNER_TEST: "yes" } });
    expect(result.stdoutTail).toBe(`yes ${process.env["PATH"] ?? ""}\n`);
  });

  it("streams stdout and keeps only its last 64 KiB", async () => {
    const chunks: string[] = [];
    const result = await run("sh", ["-c", "i=0; while [ $i -lt 3000 ]; do printf '%050d\\n' $i; i=$((i+1)); done"], { onStdout: (c) => chunks.push(c) });
    expect(chunks.join("").length).toBe(3000 * 51);
    expect(result.stdoutTail.length).toBe(64 * 1024);
    expect(result.stdoutTail.endsWith(`${"2999".padStart(50, "0")}\n`)).toBe(true);
  });

  it("stops the program on abort and on timeout (SIGTERM), and says a missing one is missing", async () => {
    const controller = new AbortController();
    const aborted = run("sleep", ["30"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await aborted).toMatchObject({ exitCode: undefined, signal: "SIGTERM" });
    const timed = await run("sleep", ["30"], { timeoutMs: 100 });
    expect(timed).toMatchObject({ exitCode: undefined, signal: "SIGTERM" });
    expect(timed.durationMs).toBeLessThan(5000);
    const missing = await run("sysclone-no-such-tool", []).catch((error: unknown) => error);
    expect(isSyscloneError(missing, "TOOL_MISSING")).toBe(true);
  });

  it("kills with SIGKILL 5 s after a SIGTERM the program ignores", async () => {
    const controller = new AbortController();
    const stubborn = run("sh", ["-c", "trap '' TERM; while :; do sleep 0.1; done"], { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const result = await stubborn;
    expect(result.signal).toBe("SIGKILL");
  }, 15_000);
});
