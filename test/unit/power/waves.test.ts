import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planWaves, runInWaves } from "../../../src/power/waves.js";

describe("waves", () => {
  it.each([
    [["a", "b", "c", "d", "e"], 2, [["a", "b"], ["c", "d"], ["e"]]],
    [["a", "b", "c"], undefined, [["a", "b", "c"]]],
    [["a", "b", "c"], 5, [["a", "b", "c"]]],
    [[], 3, []],
  ] as const)("%j in waves of %s", (nodes, size, waves) => {
    expect(planWaves(nodes, size)).toEqual(waves);
  });

  it("every node once, in order, no wave larger than asked", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (nodes, size) => {
        const waves = planWaves(nodes, size);
        expect(waves.flat()).toEqual(nodes);
        expect(waves.every((wave) => wave.length > 0 && wave.length <= size)).toBe(true);
      }),
    );
  });

  it("runs at most fanout at once, a wave only after the one before, results in the nodes' order", async () => {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const results = await runInWaves(["a", "b", "c", "d", "e"], { fanout: 2, wave: 3, intervalSeconds: 0.05 }, async (node) => {
      running++;
      most = Math.max(most, running);
      order.push(`start ${node}`);
      await new Promise((resolve) => setTimeout(resolve, node === "a" ? 30 : 5));
      running--;
      order.push(`end ${node}`);
      return node.toUpperCase();
    });
    expect(results).toEqual(["A", "B", "C", "D", "E"]);
    expect(most).toBe(2);
    expect(order.indexOf("start d")).toBeGreaterThan(order.indexOf("end a"));
    expect(order.indexOf("start d")).toBeGreaterThan(order.indexOf("end c"));
  });
});
