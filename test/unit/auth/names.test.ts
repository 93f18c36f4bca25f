import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkUserName, parseGroups } from "../../../src/auth/accounts.js";
import { isSyscloneError } from "../../../src/errors/errors.js";

describe("user and group names", () => {
  it.each([
    ["alice", "ok"],
    ["_svc.ci-1", "ok"],
    ["a".repeat(64), "ok"],
    ["a".repeat(65), "BAD_NAME"],
    ["root", "BAD_NAME"],
    ["1alice", "BAD_NAME"],
    ["al ice", "BAD_NAME"],
    ["alice\n", "BAD_NAME"],
    ["", "BAD_NAME"],
  ])("checkUserName(%j) → %s", (name, expected) => {
    let result = "ok";
    try {
      expect(checkUserName(name)).toBe(name);
    } catch (error) {
      result = isSyscloneError(error) ? error.code : "other";
    }
    expect(result).toBe(expected);
  });

  it.each([
    ["rack1,rack2", ["rack1", "rack2"]],
    [" rack1 , rack1,,gpu ", ["rack1", "gpu"]],
    ["", []],
  ])("parseGroups(%j) → %j", (text, expected) => {
    expect(parseGroups(text)).toEqual(expected);
  });

  it("accept or refuse any input with BAD_NAME on one line, never another error", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const parse of [checkUserName, parseGroups]) {
          try {
            parse(text);
          } catch (error) {
            expect(isSyscloneError(error, "BAD_NAME")).toBe(true);
            expect((error as Error).message).not.toMatch(/[\n\r]/);
          }
        }
      }),
    );
  });
});
