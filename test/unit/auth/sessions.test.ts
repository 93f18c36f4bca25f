import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../../src/auth/login-limit.js";
import { sameSecret, SessionTable } from "../../../src/auth/sessions.js";
import { isSyscloneError } from "../../../src/errors/errors.js";

describe("SessionTable", () => {
  it("opens sessions with 256-bit cookie values and CSRF tokens, finds them until they expire", () => {
    let now = 1_000_000;
    const table = new SessionTable(60_000, 100, () => now);
    const { id, session } = table.open("olga");
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrf).not.toBe(id);
    expect(table.find(id)).toEqual(session);
    expect(table.find(`${id}x`)).toBeUndefined();
    now += 59_999;
    expect(table.find(id)?.user).toBe("olga");
    now += 1;
    expect(table.find(id)).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it("closes one session, or every session of a user", () => {
    const table = new SessionTable();
    const a = table.open("olga");
    const b = table.open("olga");
    const c = table.open("vera");
    table.close(a.id);
    expect(table.find(a.id)).toBeUndefined();
    expect(table.find(b.id)).toBeDefined();
    table.closeUser("olga");
    expect(table.find(b.id)).toBeUndefined();
    expect(table.find(c.id)?.user).toBe("vera");
  });

  it("drops the oldest session when full", () => {
    const table = new SessionTable(60_000, 2);
    const first = table.open("a");
    const second = table.open("b");
    const third = table.open("c");
    expect(table.find(first.id)).toBeUndefined();
    expect(table.find(second.id)).toBeDefined();
    expect(table.find(third.id)).toBeDefined();
  });

  it.each([["abc", "abc", true], ["abc", "abd", false], ["abc", "abcd", false], ["", "", true], ["", "x", false]])("sameSecret(%s, %s) is %s", (a, b, same) => {
    expect(sameSecret(a, b)).toBe(same);
  });
});

describe("LoginLimiter", () => {
  const outcome = (work: () => void): string => {
    try {
      work();
      return "ok";
    } catch (error) {
      return isSyscloneError(error) ? `${error.code} ${String(error.details?.["retryAfter"])}` : "other";
    }
  };

  it("limits attempts per user, then lets one through per refill period", () => {
    let now = 0;
    const limiter = new LoginLimiter({ addressBurst: 100, addressRefillSeconds: 1, userBurst: 3, userRefillSeconds: 60 }, () => now);
    const tries = [1, 2, 3, 4].map((i) => outcome(() => limiter.attempt(`10.0.0.${i}`, "vera")));
    expect(tries).toEqual(["ok", "ok", "ok", "RATE_LIMITED 60"]);
    expect(outcome(() => limiter.attempt("10.0.0.9", "olga"))).toBe("ok");
    now += 60_000;
    expect(outcome(() => limiter.attempt("10.0.0.5", "vera"))).toBe("ok");
    expect(outcome(() => limiter.attempt("10.0.0.6", "vera"))).toBe("RATE_LIMITED 60");
  });

  it("limits attempts per address whatever the user", () => {
    const limiter = new LoginLimiter({ addressBurst: 2, addressRefillSeconds: 30, userBurst: 100, userRefillSeconds: 1 }, () => 0);
    expect([1, 2, 3].map((i) => outcome(() => limiter.attempt("10.0.0.1", `user${i}`)))).toEqual(["ok", "ok", "RATE_LIMITED 30"]);
    expect(outcome(() => limiter.attempt("10.0.0.2", "user1"))).toBe("ok");
  });
});
