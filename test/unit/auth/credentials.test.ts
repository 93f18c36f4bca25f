import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isExpired, parseExpiry } from "../../../src/auth/expiry.js";
import { checkPassword, hashPassword, verifyPassword } from "../../../src/auth/passwords.js";
import { newToken, tokenId, tokenMatches, tokenSha256 } from "../../../src/auth/tokens.js";
import { isSyscloneError } from "../../../src/errors/errors.js";

describe("API tokens", () => {
  it("are opaque, random, carry their id and match only their own hash", () => {
    const a = newToken(7);
    const b = newToken(7);
    expect(a).toMatch(/^sct_7_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(tokenId(a)).toBe(7);
    expect(tokenSha256(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenMatches(a, tokenSha256(a))).toBe(true);
    expect(tokenMatches(b, tokenSha256(a))).toBe(false);
  });

  it.each([
    ["", undefined],
    ["sct_0_" + "a".repeat(43), undefined],
    ["sct_12_" + "a".repeat(42), undefined],
    ["sct_12_" + "a".repeat(44), undefined],
    ["Bearer sct_12_" + "a".repeat(43), undefined],
    ["sct_12_" + "a".repeat(43), 12],
  ])("tokenId(%j) → %s", (text, expected) => {
    expect(tokenId(text)).toBe(expected);
  });

  it("never matches a stored value that is not a sha256 (an empty or damaged row)", () => {
    const token = newToken(1);
    expect(tokenMatches(token, "")).toBe(false);
    expect(tokenMatches(token, tokenSha256(token).toUpperCase())).toBe(false);
    fc.assert(fc.property(fc.string(), fc.string(), (presented, stored) => typeof tokenMatches(presented, stored) === "boolean"));
  });
});

describe("passwords", () => {
  it("are stored as salted scrypt and verified", async () => {
    const one = await hashPassword("correct horse");
    const two = await hashPassword("correct horse");
    expect(one).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain("correct");
    expect(await verifyPassword("correct horse", one)).toBe(true);
    expect(await verifyPassword("correct horsf", one)).toBe(false);
    expect(await verifyPassword("correct horse", two)).toBe(true);
  });

  it("a user without a password, or with a damaged hash, never verifies", async () => {
    expect(await verifyPassword("", "")).toBe(false);
    expect(await verifyPassword("anything at all", "")).toBe(false);
    expect(await verifyPassword("anything at all", "scrypt$99$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A".repeat(43))).toBe(false);
  });

  it.each([
    ["short", "BAD_PASSWORD"],
    ["x".repeat(1025), "BAD_PASSWORD"],
    ["has a\nnewline", "BAD_PASSWORD"],
    ["tab\tinside!", "BAD_PASSWORD"],
    ["long enough", "ok"],
  ])("checkPassword(%j) → %s", (text, expected) => {
    let result = "ok";
    try {
      checkPassword(text);
    } catch (error) {
      result = isSyscloneError(error) ? error.code : "other";
    }
    expect(result).toBe(expected);
  });
});

describe("--expires", () => {
  const now = new Date("2030-06-01T12:00:00.000Z");
  it.each([
    ["never", ""],
    ["90s", "2030-06-01T12:01:30.000Z"],
    ["30m", "2030-06-01T12:30:00.000Z"],
    ["12h", "2030-06-02T00:00:00.000Z"],
    ["30d", "2030-07-01T12:00:00.000Z"],
    ["2w", "2030-06-15T12:00:00.000Z"],
    ["2031-01-31", "2031-01-31T00:00:00.000Z"],
    ["2030-06-01T13:00:00Z", "2030-06-01T13:00:00.000Z"],
    ["2030-06-01T15:00:00+02:00", "2030-06-01T13:00:00.000Z"],
  ])("%s → %j", (text, expected) => {
    expect(parseExpiry(text, now)).toBe(expected);
  });

  it.each(["0d", "3651d", "30", "30 days", "-1d", "2030-05-31", "2030-02-30", "2041-01-01", "soon", ""])("refuses %j with BAD_EXPIRY", (text) => {
    expect(() => parseExpiry(text, now)).toThrow(expect.objectContaining({ code: "BAD_EXPIRY" }) as Error);
  });

  it("accepts or refuses any input with BAD_EXPIRY on one line, never another error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,12}[smhdwy]?$/), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), (text) => {
        try {
          const at = parseExpiry(text, now);
          expect(at === "" || Date.parse(at) > now.getTime()).toBe(true);
        } catch (error) {
          expect(isSyscloneError(error, "BAD_EXPIRY")).toBe(true);
          expect((error as Error).message).not.toMatch(/[\n\r]/);
        }
      }),
    );
  });

  it("an expiry is reached at its time; never is never", () => {
    expect(isExpired("", now)).toBe(false);
    expect(isExpired("2030-06-01T12:00:00.000Z", now)).toBe(true);
    expect(isExpired("2030-06-01T12:00:00.001Z", now)).toBe(false);
  });
});
