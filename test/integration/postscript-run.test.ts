import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { agentPath } from "../../src/config/paths.js";
import { run } from "../../src/exec/runner.js";
import { parseProbe } from "../../src/update/live-node.js";
import { parsePostscriptRun, renderPostscriptRun } from "../../src/update/postscript-run.js";

// updatenode -P's one program as a live node runs it (`sh -s` on its stdin): under dash and under
// busybox sh, with the real probe reading this host's mounts and NICs.
const shells: [string, string[]][] = [["dash", ["-s"]], ["busybox", ["sh", "-s"]]];
// Quotes, backslashes, $ and backquotes, a line that was a heredoc delimiter, no final newline.
const tricky = "#!/bin/sh\n# it's 'quoted' \\ \\n $HOME `x` \"q\"\n: <<'SYSCLONE_x'\nSYSCLONE_x\ncat \"$0\"\n: end";

describe.each(shells)("the postscript program under %s", (shell, args) => {
  it("writes each script byte for byte, runs it with the probe's and the server's environment only, and stops at the first failure", async () => {
    const probeScript = await readFile(agentPath("update/probe.sh"), "utf8");
    const alone = parseProbe((await run(shell, [...args.slice(0, -1), agentPath("update/probe.sh")])).stdoutTail);
    const program = renderPostscriptRun({
      probeScript,
      environment: { NODE: "n01", UUID_MAP: "a=b c=d" },
      definedMacs: ["52:54:00:00:00:99", "00:00:00:00:00:00"],
      layoutEsp: "/boot/efi",
      scripts: [
        { name: "show", content: tricky },
        { name: "env", content: "#!/bin/sh\nenv | sort\n" },
        { name: "fail", content: "#!/bin/sh\necho failing\nexit 3\n" },
        { name: "never", content: "#!/bin/sh\necho ran\n" },
      ],
    });
    const result = await run(shell, args, { input: program });
    expect(result.exitCode).toBe(3);
    const [show, env, fail, never] = parsePostscriptRun(["show", "env", "fail", "never"], result.stdoutTail);
    expect(show).toEqual({ name: "show", exitCode: 0, output: tricky });
    const variables = new Map((env?.output ?? "").split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
    expect(variables.get("NODE")).toBe("n01");
    expect(variables.get("UUID_MAP")).toBe("a=b c=d");
    expect(variables.get("FIRMWARE")).toBe(alone.firmware);
    expect(variables.get("ROOT_DEVICE")).toBe(alone.rootDevice);
    expect(variables.get("ESP")).toBe(alone.esp || "/boot/efi");
    // The first defined MAC the node has (lo's), not the first defined.
    expect(variables.get("INSTALLNIC_MAC")).toBe("00:00:00:00:00:00");
    expect(variables.has("HOME")).toBe(false);
    expect(fail).toEqual({ name: "fail", exitCode: 3, output: "failing" });
    expect(never?.exitCode).toBeUndefined();
  });
});
