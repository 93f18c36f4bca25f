import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeFacts } from "../../../src/auth/node-facts.js";
import { actions, assertAllowed, authorize, CONFIRM_ABOVE, parseRole, rootPrincipal, visibleNodes, type Action, type Decision, type NodeFacts, type Principal, type Target } from "../../../src/auth/policy.js";
import { isSyscloneError } from "../../../src/errors/errors.js";

const principals = {
  admin: { name: "ada", role: "admin", groups: [] },
  opAll: { name: "otto", role: "operator", groups: [] },
  opRack1: { name: "olga", role: "operator", groups: ["rack1"] },
  viewAll: { name: "vera", role: "viewer", groups: [] },
  viewRack1: { name: "vic", role: "viewer", groups: ["rack1", "gpu"] },
} as const satisfies Record<string, Principal>;
type Who = keyof typeof principals;
const who = Object.keys(principals) as Who[];

const n1: NodeFacts = { name: "n1", groups: ["rack1", "compute"] };
const n2: NodeFacts = { name: "n2", groups: ["rack2", "compute"] };
const p1: NodeFacts = { name: "p1", groups: ["rack1"], protection: { by: "node", name: "p1", reason: "database primary" } };
const g1: NodeFacts = { name: "g1", groups: ["rack1", "locked"], protection: { by: "group", name: "locked", reason: "" } };

function outcome(decision: Decision): string {
  return decision.allowed ? "ok" : decision.code;
}

function nodes(list: readonly NodeFacts[], extra: { confirm?: number; force?: boolean } = {}): Target {
  return { kind: "nodes", nodes: list, ...extra };
}

const ok = "ok";
const FORBIDDEN = "FORBIDDEN";
const UNKNOWN = "UNKNOWN_OBJECT";

describe("the role × action matrix", () => {
  // Columns: admin, opAll, opRack1, viewAll, viewRack1.
  const inScope: Record<Action, readonly string[]> = {
    read: [ok, ok, ok, ok, ok],
    plan: [ok, ok, ok, FORBIDDEN, FORBIDDEN],
    nodeset: [ok, ok, ok, FORBIDDEN, FORBIDDEN],
    boot: [ok, ok, ok, FORBIDDEN, FORBIDDEN],
    cancel: [ok, ok, ok, FORBIDDEN, FORBIDDEN],
    define: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    image: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    users: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
  };
  // n2 is in rack2: outside olga's and vic's scope, so invisible to them (unknown, not forbidden).
  const outOfScope: Record<Action, readonly string[]> = {
    read: [ok, ok, UNKNOWN, ok, UNKNOWN],
    plan: [ok, ok, UNKNOWN, FORBIDDEN, FORBIDDEN],
    nodeset: [ok, ok, UNKNOWN, FORBIDDEN, FORBIDDEN],
    boot: [ok, ok, UNKNOWN, FORBIDDEN, FORBIDDEN],
    cancel: [ok, ok, UNKNOWN, FORBIDDEN, FORBIDDEN],
    define: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    image: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    users: [ok, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
  };
  const fleetActions: readonly Action[] = ["define", "image", "users"];

  const rows = actions.flatMap((action) =>
    who.flatMap((w, column) => [
      { action, who: w, node: "n1", target: fleetActions.includes(action) ? ({ kind: "fleet" } as const) : nodes([n1]), expected: inScope[action][column] },
      { action, who: w, node: "n2", target: fleetActions.includes(action) ? ({ kind: "fleet" } as const) : nodes([n2]), expected: outOfScope[action][column] },
    ]),
  );

  it("covers every action and every principal", () => {
    expect(rows).toHaveLength(actions.length * who.length * 2);
    for (const action of actions) expect(inScope[action]).toHaveLength(who.length);
  });

  it.each(rows)("$who $action ($node) → $expected", ({ action, who: w, target, expected }) => {
    expect(outcome(authorize(principals[w], action, target))).toBe(expected);
  });

  it("reading the fleet as a whole is open to every role; the scope then filters what is listed", () => {
    for (const w of who) expect(outcome(authorize(principals[w], "read", { kind: "fleet" }))).toBe(ok);
  });

  it("a scoped viewer sees a node through any one of its groups", () => {
    expect(outcome(authorize(principals.viewRack1, "read", nodes([{ name: "x", groups: ["gpu"] }])))).toBe(ok);
    expect(outcome(authorize(principals.viewRack1, "read", nodes([{ name: "y", groups: [] }])))).toBe(UNKNOWN);
  });

  it("a range that mixes visible and invisible nodes is refused whole, naming only the invisible", () => {
    const decision = authorize(principals.opRack1, "nodeset", nodes([n1, n2]));
    expect(decision).toMatchObject({ allowed: false, code: UNKNOWN, nodes: ["n2"] });
    expect(decision.allowed ? "" : decision.message).toBe("no node named n2");
  });

  it("root at the server's shell is an unscoped admin", () => {
    for (const action of actions) expect(authorize(rootPrincipal, action, fleetActions.includes(action) ? { kind: "fleet" } : nodes([n1, n2])).allowed).toBe(true);
  });
});

describe("protected nodes and groups", () => {
  // nodeset on a protected node: only an admin who says force. boot, cancel, plan and read destroy nothing.
  it.each([
    ["admin", "nodeset", p1, false, "PROTECTED"],
    ["admin", "nodeset", p1, true, ok],
    ["admin", "nodeset", g1, false, "PROTECTED"],
    ["admin", "nodeset", g1, true, ok],
    ["opRack1", "nodeset", p1, false, "PROTECTED"],
    ["opRack1", "nodeset", p1, true, "PROTECTED"],
    ["opAll", "nodeset", g1, true, "PROTECTED"],
    ["viewRack1", "nodeset", p1, true, FORBIDDEN],
    ["opRack1", "boot", p1, false, ok],
    ["opRack1", "cancel", g1, false, ok],
    ["opRack1", "plan", p1, false, ok],
    ["viewRack1", "read", g1, false, ok],
  ] as const)("%s %s %s force=%s → %s", (w, action, node, force, expected) => {
    expect(outcome(authorize(principals[w], action, nodes([node], { force })))).toBe(expected);
  });

  it("says which node or group protects, and why, and who may override", () => {
    const byNode = authorize(principals.opRack1, "nodeset", nodes([n1, p1]));
    expect(byNode).toMatchObject({ allowed: false, code: "PROTECTED", nodes: ["p1"] });
    expect(byNode.allowed ? "" : `${byNode.message} — ${byNode.hint}`).toBe("nodeset refuses protected node p1 (node p1 is protected: database primary) — only an admin may override protection; nothing was changed");
    const byGroup = authorize(principals.admin, "nodeset", nodes([p1, g1]));
    expect(byGroup.allowed ? "" : `${byGroup.message} — ${byGroup.hint}`).toBe("nodeset refuses protected nodes p1,g1 (node p1 is protected: database primary) — an admin may override with force (nodeset --force); nothing was changed");
  });
});

describe("empty and large ranges", () => {
  const many = (count: number): NodeFacts[] => Array.from({ length: count }, (_, i) => ({ name: `c${i}`, groups: ["rack1"] }));

  it.each([
    ["admin", "nodeset", 0, undefined, "EMPTY_NODERANGE"],
    ["opRack1", "boot", 0, undefined, "EMPTY_NODERANGE"],
    ["opAll", "cancel", 0, undefined, "EMPTY_NODERANGE"],
    ["viewAll", "nodeset", 0, undefined, FORBIDDEN],
    ["viewAll", "read", 0, undefined, ok],
    ["opRack1", "plan", 0, undefined, ok],
    ["admin", "nodeset", CONFIRM_ABOVE, undefined, ok],
    ["admin", "nodeset", CONFIRM_ABOVE + 1, undefined, "NEEDS_CONFIRMATION"],
    ["admin", "nodeset", CONFIRM_ABOVE + 1, CONFIRM_ABOVE + 1, ok],
    ["opRack1", "boot", CONFIRM_ABOVE + 1, CONFIRM_ABOVE, "NEEDS_CONFIRMATION"],
    ["opRack1", "cancel", 200, 200, ok],
    ["opRack1", "nodeset", 3, 2, "NEEDS_CONFIRMATION"],
    ["opRack1", "nodeset", 3, 3, ok],
    ["viewRack1", "read", 200, undefined, ok],
    ["opRack1", "plan", 200, undefined, ok],
  ] as const)("%s %s of %i nodes, confirm=%s → %s", (w, action, count, confirm, expected) => {
    expect(outcome(authorize(principals[w], action, nodes(many(count), confirm === undefined ? {} : { confirm })))).toBe(expected);
  });

  it("tells how many to confirm", () => {
    const decision = authorize(principals.admin, "nodeset", nodes(many(51)));
    expect(decision.allowed ? "" : `${decision.message} — ${decision.hint}`).toBe("nodeset would change 51 nodes (more than 50); confirm the count — confirm 51 (e.g. --confirm 51); nothing was changed");
  });

  it("a protected node in a large range is refused as protected before the count is asked", () => {
    expect(outcome(authorize(principals.admin, "nodeset", nodes([...many(60), p1])))).toBe("PROTECTED");
    expect(outcome(authorize(principals.admin, "nodeset", nodes([...many(60), p1], { force: true })))).toBe("NEEDS_CONFIRMATION");
    expect(outcome(authorize(principals.admin, "nodeset", nodes([...many(60), p1], { force: true, confirm: 61 })))).toBe(ok);
  });
});

describe("visibleNodes", () => {
  const all = [n1, n2, p1, g1, { name: "lone", groups: [] }];
  it.each([
    ["admin", ["n1", "n2", "p1", "g1", "lone"]],
    ["opAll", ["n1", "n2", "p1", "g1", "lone"]],
    ["viewAll", ["n1", "n2", "p1", "g1", "lone"]],
    ["opRack1", ["n1", "p1", "g1"]],
    ["viewRack1", ["n1", "p1", "g1"]],
  ] as const)("%s sees %j", (w, expected) => {
    expect(visibleNodes(principals[w], all).map((node) => node.name)).toEqual(expected);
  });

  it("what a principal sees is exactly what it may read", () => {
    fc.assert(
      fc.property(fc.constantFrom(...who), fc.array(fc.constantFrom("rack1", "rack2", "gpu", "locked"), { maxLength: 3 }), (w, groups) => {
        const node = { name: "x", groups };
        const seen = visibleNodes(principals[w], [node]).length === 1;
        expect(authorize(principals[w], "read", nodes([node])).allowed).toBe(seen);
      }),
    );
  });
});

describe("node facts from stored attributes", () => {
  const source = {
    listObjects: () => [
      { name: "a", attributes: { groups: "rack1,locked", protected: "", protectreason: "" } },
      { name: "b", attributes: { groups: "rack1", protected: "yes", protectreason: "golden client" } },
      { name: "c", attributes: { groups: "", protected: "no", protectreason: "" } },
    ],
    getObject: (_type: "group", name: string) => (name === "locked" ? { protected: "yes", protectreason: "change freeze" } : name === "rack1" ? { protected: "no" } : undefined),
  };

  it("protects by the node's own attribute first, then by a protected group", () => {
    expect(nodeFacts(source)).toEqual([
      { name: "a", groups: ["rack1", "locked"], protection: { by: "group", name: "locked", reason: "change freeze" } },
      { name: "b", groups: ["rack1"], protection: { by: "node", name: "b", reason: "golden client" } },
      { name: "c", groups: [], protection: undefined },
    ]);
  });

  it("keeps the order asked for and skips names that are not nodes", () => {
    expect(nodeFacts(source, ["c", "ghost", "a"]).map((facts) => facts.name)).toEqual(["c", "a"]);
  });
});

describe("refusals and roles as errors", () => {
  it("assertAllowed throws the decision's code, message and nodes", () => {
    try {
      assertAllowed(authorize(principals.opRack1, "nodeset", nodes([p1])));
      expect.unreachable();
    } catch (error) {
      expect(isSyscloneError(error, "PROTECTED")).toBe(true);
      expect(isSyscloneError(error) ? [error.httpStatus, error.details] : []).toEqual([409, { nodes: ["p1"] }]);
    }
    expect(() => assertAllowed(authorize(principals.viewAll, "users", { kind: "fleet" }))).toThrow(expect.objectContaining({ code: "FORBIDDEN", httpStatus: 403 }) as Error);
    expect(() => assertAllowed(authorize(principals.admin, "users", { kind: "fleet" }))).not.toThrow();
  });

  it("parseRole takes the three roles and refuses anything else with BAD_ROLE", () => {
    expect(["admin", "operator", "viewer"].map(parseRole)).toEqual(["admin", "operator", "viewer"]);
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          expect(["admin", "operator", "viewer"]).toContain(parseRole(text));
        } catch (error) {
          expect(isSyscloneError(error, "BAD_ROLE")).toBe(true);
          expect((error as Error).message).not.toMatch(/[\n\r]/);
        }
      }),
    );
  });
});
