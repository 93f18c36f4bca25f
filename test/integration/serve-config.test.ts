import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot, runCli } from "../helpers/cli.js";
import { waitUntil } from "../helpers/wait.js";

const port = 20710;
const rsyncPort = 20711;
let home: string;
let conf: string;
let child: ChildProcess | undefined;
let output = "";

const config = (extra = ""): string => `# test\nlisten = 127.0.0.1:${port}\nrsync-port = ${rsyncPort}\n${extra}`;

async function retryOfUnknownMachine(): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/boot?mac=52-54-00-19-10-01`)).text();
  return /^sleep (\d+)$/m.exec(text)?.[1] ?? text;
}

async function hangUpAndWaitFor(pattern: RegExp): Promise<void> {
  const before = output.length;
  child!.kill("SIGHUP");
  await waitUntil(`${String(pattern)} after SIGHUP`, () => pattern.test(output.slice(before)), { timeoutMs: 15_000 });
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  conf = path.join(home, "sysclone.conf");
  await writeFile(conf, config());
  child = spawn(process.execPath, [path.join(projectRoot, "bin", "sysclone.js"), "serve", "--config", conf], { env: { ...process.env, SYSCLONE_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitUntil("serve to start", () => output.includes("dashboard at "), { timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  if (home) await rm(home, { recursive: true, force: true });
});

describe("sysclone serve --config FILE", () => {
  it("starts from the file, and SIGHUP re-reads it: reloadable keys change at once, the others wait for a restart, a bad file changes nothing", async () => {
    expect(output).toContain(`serving http://127.0.0.1:${port} (install API) and rsync on port ${rsyncPort} (settings from ${conf}); stop with Ctrl-C`);
    expect(await retryOfUnknownMachine()).toBe("30");

    await writeFile(conf, config("retry-seconds = 7\ninstall-timeout = 120\nboot-rate = 9\n"));
    await hangUpAndWaitFor(/^reload: /m);
    expect(output).toContain(`reloaded ${conf}: retry-seconds 30 -> 7, install-timeout 3600 -> 120\n`);
    expect(output).toContain("reload: boot-rate 5 -> 9 take effect when the server restarts (systemctl restart sysclone)\n");
    expect(await retryOfUnknownMachine()).toBe("7");

    await writeFile(conf, `${config("retry-seconds = 9\n")}lisen = 1\nmax-discovered = many\n`);
    await hangUpAndWaitFor(/still running with the settings/);
    expect(output).toContain(`reload refused: ${conf}:5: unknown key "lisen"`);
    expect(output).toContain(`reload refused: ${conf}:6: max-discovered "many" is not a positive whole number (1 to 2147483647); still running with the settings of the last start or reload`);
    expect(await retryOfUnknownMachine()).toBe("7");
    expect(child!.exitCode).toBeNull();
  });

  it("a bad file stops the start with one line per mistake and exit 3; --check says the same, or ok", async () => {
    const bad = path.join(home, "bad.conf");
    await writeFile(bad, "listen = 127.0.0.1:99999\n\nbogus line\ndhcp-interface = eth0\n");
    const other = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
    try {
      for (const args of [["serve", "--config", bad], ["serve", "--config", bad, "--check"]]) {
        const result = await runCli(other, "sysclone", args);
        expect(result.code).toBe(3);
        expect(result.stderr.trim().split("\n")).toEqual([
          `error [BAD_CONFIG]: ${bad}:1: listen "127.0.0.1:99999" is not HOST:PORT (e.g. 10.0.0.1:8080)`,
          `error [BAD_CONFIG]: ${bad}:3: "bogus line" is not KEY = VALUE — fix ${bad} (sysclone serve --config ${bad} --check checks it), then start again`,
        ]);
      }
      const fine = path.join(home, "fine.conf");
      await writeFile(fine, config());
      const good = await runCli(other, "sysclone", ["serve", "--config", fine, "--check", "--json"]);
      expect(good.code, good.stderr).toBe(0);
      expect(JSON.parse(good.stdout)).toMatchObject({ config: fine, settings: { host: "127.0.0.1", port, rsyncPort } });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
