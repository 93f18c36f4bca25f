import { describe, expect, it } from "vitest";
import { describeChange, formatAuditLine } from "../../../src/audit/describe.js";

describe("audit lines", () => {
  it.each([
    [null, { groups: "compute", ip: "", sshport: "22" }, 'created with groups="compute", sshport="22"'],
    [{ groups: "compute" }, null, "removed"],
    [{ ip: "10.0.0.1", groups: "compute", mac: "" }, { ip: "10.0.0.2", groups: "compute", mac: "aa:bb:cc:dd:ee:ff" }, 'ip: "10.0.0.1" → "10.0.0.2", mac: "" → "aa:bb:cc:dd:ee:ff"'],
    [{ a: "1" }, { a: "1" }, "no change"],
    [null, {}, "created"],
    [{ description: "one" }, { description: "two\nlines" }, 'description: "one" → "two\\nlines"'],
  ])("%j → %j: %s", (before, after, expected) => {
    expect(describeChange(before, after)).toBe(expected);
  });

  it("says when, who, via what, from where, which action on which object", () => {
    expect(
      formatAuditLine({ id: 3, at: "2030-06-01T12:00:00.000Z", actor: "root", via: "cli", from: "local", action: "chdef", type: "node", name: "n01", before: { ip: "10.0.0.1" }, after: { ip: "10.0.0.2" } }),
    ).toBe('2030-06-01T12:00:00.000Z  root via cli from local  chdef node n01: ip: "10.0.0.1" → "10.0.0.2"');
  });
});

describe("audit lines for users and tokens", () => {
  it("names the object once when the action already names its type", () => {
    const base = { id: 1, at: "2030-06-01T12:00:00.000Z", actor: "root", via: "cli", from: "local", before: null } as const;
    expect(formatAuditLine({ ...base, action: "user add", type: "user", name: "alice", after: { role: "viewer", groups: "" } })).toBe('2030-06-01T12:00:00.000Z  root via cli from local  user add alice: created with role="viewer"');
    expect(formatAuditLine({ ...base, actor: "alice", via: "api", from: "10.0.0.9", action: "token revoke", type: "token", name: "7", after: null })).toBe("2030-06-01T12:00:00.000Z  alice via api from 10.0.0.9  token revoke 7: no change recorded");
  });
});
