import { describe, expect, it } from "vitest";
import { RateLimiter, Throttle } from "../../../src/boot/rate-limit.js";
import { tokenRefusal } from "../../../src/boot/service.js";
import type { InstallRecord } from "../../../src/store/installs.js";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe("per-address rate limits", () => {
  it("allows a burst, then refills at the rate", () => {
    const c = clock();
    const limiter = new RateLimiter(2, 3, 100, c.now);
    expect([1, 2, 3, 4].map(() => limiter.take("a"))).toEqual([true, true, true, false]);
    expect(limiter.retryAfter("a")).toBe(1);
    c.advance(500);
    expect(limiter.take("a")).toBe(true);
    expect(limiter.take("a")).toBe(false);
    expect(limiter.take("b")).toBe(true);
  });

  it("keeps at most maxKeys addresses, forgetting the least recently seen", () => {
    const c = clock();
    const limiter = new RateLimiter(1, 1, 3, c.now);
    for (const key of ["a", "b", "c"]) limiter.take(key);
    limiter.take("a");
    limiter.take("d");
    expect(limiter.size).toBe(3);
    // b was forgotten: it starts again with a full bucket; a is still empty.
    expect(limiter.take("b")).toBe(true);
    expect(limiter.take("a")).toBe(false);
  });

  it("a throttle lets one event per key and interval through", () => {
    const c = clock();
    const throttle = new Throttle(60_000, 100, c.now);
    expect([throttle.allow("n1"), throttle.allow("n1"), throttle.allow("n2")]).toEqual([true, false, true]);
    c.advance(59_000);
    expect(throttle.allow("n1")).toBe(false);
    c.advance(1_000);
    expect(throttle.allow("n1")).toBe(true);
  });

  it("a throttle says whether it would let one through without counting it", () => {
    const c = clock();
    const throttle = new Throttle(60_000, 100, c.now);
    expect([throttle.wouldAllow("n1"), throttle.wouldAllow("n1"), throttle.allow("n1")]).toEqual([true, true, true]);
    expect([throttle.wouldAllow("n1"), throttle.allow("n1")]).toEqual([false, false]);
    c.advance(60_000);
    expect([throttle.wouldAllow("n1"), throttle.wouldAllow("n1"), throttle.allow("n1"), throttle.wouldAllow("n1")]).toEqual([true, true, true, false]);
  });
});

const live = (address: string, state: InstallRecord["state"] = "issued"): InstallRecord => ({
  id: 1, node: "n1", tokenSha256: "x", state, osimage: "", version: 0, issuedAt: "", updatedAt: "", inventory: "", plan: "", script: "", firstbootSha256: "", address,
});

describe("who /boot gives a token to", () => {
  it.each([
    ["a node with no install", {}, undefined, "10.0.0.5", undefined],
    ["the machine whose install is under way (a reboot mid-clone)", {}, live("10.0.0.5"), "10.0.0.5", undefined],
    ["another address while the install is under way", {}, live("10.0.0.5", "planned"), "10.0.0.6", /under way on another machine/],
    ["another address once the install has ended", {}, live("10.0.0.5", "failed"), "10.0.0.6", undefined],
    ["an install issued by hand, not yet bound", {}, live(""), "10.0.0.6", undefined],
    ["the node's own ip", { ip: "10.0.0.5" }, undefined, "10.0.0.5", undefined],
    ["an address that is not the node's ip", { ip: "10.0.0.5" }, undefined, "10.0.0.6", /does not come from the address of the node \(ip=10\.0\.0\.5\)/],
  ])("%s", (_what, node: Record<string, string>, latest, from, expected) => {
    const refusal = tokenRefusal(node, latest, from);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatch(expected);
  });
});
