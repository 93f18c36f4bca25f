import { describe, expect, it } from "vitest";
import { describeKexecResult, parseNodeAnswer } from "../../../src/reinstall/results.js";
import { errorCodeOf } from "../../helpers/error-code.js";

describe("rinstall --kexec's node probe and summary", () => {
  it.each([
    ["METHOD=kexec\nSTAGE=/run/sysclone-reinstall\n", { method: "kexec", stage: "/run/sysclone-reinstall" }],
    ["some noise\nMETHOD=grub\nSTAGE=/boot/sysclone-reinstall\n", { method: "grub", stage: "/boot/sysclone-reinstall" }],
  ])("reads %j", (text, expected) => {
    expect(parseNodeAnswer(text)).toEqual(expected);
  });

  it.each(["", "METHOD=pxe\nSTAGE=/run/x", "METHOD=kexec\nSTAGE=run/x", "METHOD=kexec\nSTAGE=/run/x; rm -rf /", "METHOD=kexec\nSTAGE=/run/../etc"])("refuses %j", (text) => {
    expect(errorCodeOf(() => parseNodeAnswer(text))).toBe("SSH_COMMAND_FAILED");
  });

  it("summarises ok and failed nodes", () => {
    const nodes = [
      { node: "n01", ok: true, method: "kexec" as const, seconds: 3 },
      { node: "n02", ok: false, seconds: 1, error: { code: "SSH_UNREACHABLE" as const, message: "x" } },
    ];
    expect(describeKexecResult({ nodes, summary: { total: 2, ok: 1, failed: ["n02"], seconds: 4.04 } })).toBe("rinstall --kexec: 2 node(s) in 4.0 s: 1 ok, 1 failed: n02 (SSH_UNREACHABLE)");
    expect(describeKexecResult({ nodes: nodes.slice(0, 1), summary: { total: 1, ok: 1, failed: [], seconds: 3 } })).toBe("rinstall --kexec: 1 node(s) in 3.0 s: 1 ok");
  });
});
