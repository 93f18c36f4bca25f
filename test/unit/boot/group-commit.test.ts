import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../../src/boot/group-commit.js";

function recorder(fail = false): { transaction: (work: () => void) => void; batches: number[]; log: string[] } {
  const log: string[] = [];
  const batches: number[] = [];
  return {
    log,
    batches,
    transaction(work) {
      const before = log.length;
      work();
      batches.push(log.length - before);
      if (fail) throw new Error("SQLITE_BUSY");
    },
  };
}

describe("GroupCommit", () => {
  it("runs the work of one turn in order, in one transaction, and gives each caller its own result", async () => {
    const db = recorder();
    const commits = new GroupCommit(db.transaction);
    const results = await Promise.all([1, 2, 3].map((n) => commits.run(() => (db.log.push(`w${n}`), n * 10))));
    expect(results).toEqual([10, 20, 30]);
    expect(db.log).toEqual(["w1", "w2", "w3"]);
    expect(db.batches).toEqual([3]);
    await commits.run(() => db.log.push("later"));
    expect(db.batches).toEqual([3, 1]);
  });

  it("a job that throws fails alone; the others of its batch are committed", async () => {
    const db = recorder();
    const commits = new GroupCommit(db.transaction);
    const outcomes = await Promise.allSettled([commits.run(() => db.log.push("a")), commits.run(() => { throw new Error("bad input"); }), commits.run(() => db.log.push("c"))]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(db.batches).toEqual([2]);
  });

  it("a failed commit fails every job of the batch and says so, so cached reads of it are dropped", async () => {
    const db = recorder(true);
    let failures = 0;
    const commits = new GroupCommit(db.transaction, () => failures++);
    const outcomes = await Promise.allSettled([commits.run(() => 1), commits.run(() => 2)]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(failures).toBe(1);
  });
});
