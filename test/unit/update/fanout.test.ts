import { describe, expect, it } from "vitest";
import { SyscloneError, type ErrorCode } from "../../../src/errors/errors.js";
import { describeFanout, nodeFailure, type FanoutResult, type NodeUpdateResult } from "../../../src/update/fanout.js";

const ok = (node: string): NodeUpdateResult => ({ node, ok: true, seconds: 1, events: ["done"] });
const failed = (node: string, code: ErrorCode): NodeUpdateResult => ({ node, ok: false, seconds: 1, events: [], error: { code, message: "…" } });
const result = (steps: FanoutResult["steps"], nodes: NodeUpdateResult[], seconds: number): FanoutResult => ({
  steps, nodes,
  summary: { total: nodes.length, ok: nodes.filter((n) => n.ok).length, failed: nodes.filter((n) => !n.ok).map((n) => n.node), seconds },
});

describe("updatenode's closing line", () => {
  it.each<[FanoutResult, string]>([
    [result(["sync", "software", "postscripts"], [ok("n01"), ok("n02")], 12.34), "updatenode: sync, software, postscripts on 2 node(s) in 12.3 s: 2 ok"],
    [result(["keys"], [failed("n03", "NO_SSH_KEY"), failed("n04", "SSH_UNREACHABLE")], 0.004), "updatenode: keys on 2 node(s) in 0.0 s: 0 ok, 2 failed: n03 (NO_SSH_KEY), n04 (SSH_UNREACHABLE)"],
    [result(["software"], [ok("n01"), failed("n02", "NODE_TIMEOUT"), ok("n03")], 1800.06), "updatenode: software on 3 node(s) in 1800.1 s: 2 ok, 1 failed: n02 (NODE_TIMEOUT)"],
    [result(["sync"], [], 0), "updatenode: sync on 0 node(s) in 0.0 s: 0 ok"],
  ])("%s", (fanout, line) => {
    expect(describeFanout(fanout)).toBe(line);
  });
});

describe("a node's failure", () => {
  it("keeps a SyscloneError's code, message and hint, and calls anything else INTERNAL", () => {
    expect(nodeFailure(new SyscloneError("NODE_TIMEOUT", "n01 took longer than 5 s", { hint: "raise --timeout" }))).toEqual({ code: "NODE_TIMEOUT", message: "n01 took longer than 5 s", hint: "raise --timeout" });
    expect(nodeFailure(new SyscloneError("SSH_UNREACHABLE", "cannot reach n01"))).toStrictEqual({ code: "SSH_UNREACHABLE", message: "cannot reach n01" });
    expect(nodeFailure(new Error("EPIPE"))).toStrictEqual({ code: "INTERNAL", message: "EPIPE" });
    expect(nodeFailure("thrown text")).toStrictEqual({ code: "INTERNAL", message: "thrown text" });
  });
});
