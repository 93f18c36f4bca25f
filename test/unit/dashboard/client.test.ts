import { describe, expect, it } from "vitest";
import { actions, authorize, roles, type Principal } from "../../../src/auth/policy.js";
import { groupsOf, may, protectedReason } from "../../../server/dashboard/client/context.js";
import { formatBytes } from "../../../server/dashboard/client/dom.js";
import { wipedDisks } from "../../../server/dashboard/client/pages/plan.js";
import type { NodeView, PlanSummary, Session } from "../../../server/dashboard/client/types.js";

function node(name: string, groups: string, extra: Record<string, string> = {}): NodeView {
  return {
    name,
    attributes: { groups, ...extra },
    status: { state: "installed", phase: "", percent: null, bytes: null, lastError: "", destiny: "boot", osimage: "img", imageVersion: 1, pinnedVersion: null, bootedAt: "" },
  };
}

const scopes: (readonly string[])[] = [[], ["lab"], ["prod"], ["lab", "prod"]];
const nodes = [node("n1", "lab"), node("n2", "prod,gpu"), node("n3", "")];

describe("the dashboard shows a control exactly where the server's policy allows it", () => {
  // Every role × action × scope × node: may() (which draws the buttons) against authorize() (which the API enforces).
  const cases = roles.flatMap((role) => actions.flatMap((action) => scopes.flatMap((groups) => nodes.map((n) => ({ role, action, groups, n })))));
  it.each(cases)("$role scoped to $groups: $action on $n.name", ({ role, action, groups, n }) => {
    const scoped = role === "admin" ? [] : groups;
    const principal: Principal = { name: "u", role, groups: scoped };
    const session: Session = { user: "u", role, groups: [...scoped], csrf: "x" };
    const decision = authorize(principal, action, { kind: "nodes", nodes: [{ name: n.name, groups: groupsOf(n) }] });
    expect(may(session, action, n)).toBe(decision.allowed);
  });

  it("reads a node's groups and its own protection", () => {
    expect(groupsOf(node("a", " lab, gpu ,"))).toEqual(["lab", "gpu"]);
    expect(protectedReason(node("a", "lab", { protected: "yes", protectreason: "primary database" }))).toBe("primary database");
    expect(protectedReason(node("a", "lab", { protected: "no" }))).toBeUndefined();
    expect(protectedReason(node("a", "lab"))).toBeUndefined();
  });
});

describe("what the reinstall confirmation lists", () => {
  const plan = (disks: { dev: string; sizeBytes: number; wiped: boolean }[], wipe: string[]): PlanSummary => ({
    node: "n1", osimage: "img", version: 3, target: "disks", transport: "rsync", postscripts: [], finalAction: "reboot", warnings: [], lines: [],
    disks: disks.map((d) => ({ ...d, labelType: "gpt", partitions: [] })), wipeDisks: wipe,
  });

  it.each([
    ["two disks repartitioned", plan([{ dev: "/dev/sda", sizeBytes: 20 * 2 ** 30, wiped: true }, { dev: "/dev/sdb", sizeBytes: 512 * 2 ** 20, wiped: true }], []), ["/dev/sda (20.0 GiB)", "/dev/sdb (512.0 MiB)"]],
    ["a wipe chain erasing a disk the layout does not use", plan([{ dev: "/dev/sda", sizeBytes: 2 ** 30, wiped: true }], ["/dev/sda", "/dev/nvme0n1"]), ["/dev/sda (1.0 GiB)", "/dev/nvme0n1"]],
    ["a directory target", { ...plan([], []), target: "directory" as const }, []],
  ])("%s", (_name, summary, expected) => {
    expect(wipedDisks(summary)).toEqual(expected);
  });

  it.each([[0, "0 B"], [1023, "1023 B"], [1536, "1.5 KiB"], [8 * 2 ** 30, "8.0 GiB"], [3 * 2 ** 40, "3.0 TiB"]])("formats %i bytes as %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
