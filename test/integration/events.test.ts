import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventKinds, isEventKind, type EventKind } from "../../src/store/event-kinds.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-events-"));
  store = Store.open(path.join(dir, "sysclone.db"));
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Writes events "event 0"… for n01 (every third) and n02, kinds boot and progress in turn; returns a lookup of their ids as read back. */
function write(count: number): (index: number) => number {
  const kinds: EventKind[] = ["boot", "progress"];
  for (let i = 0; i < count; i++) store.addEvent({ kind: kinds[i % 2] ?? "boot", node: i % 3 === 0 ? "n01" : "n02", message: `event ${i}` });
  const ids = store.events({ limit: count }).map((e) => e.id).reverse();
  expect(ids).toHaveLength(count);
  return (index) => ids[index] ?? Number.NaN;
}

describe("reading the event log", () => {
  it("newest first without after; with after, the later ones oldest first, so a reader can resume from the last id it saw", () => {
    const id = write(10);
    expect(store.events({ limit: 3 }).map((e) => e.message)).toEqual(["event 9", "event 8", "event 7"]);
    expect(store.events({ after: id(6) }).map((e) => e.message)).toEqual(["event 7", "event 8", "event 9"]);
    expect(store.events({ after: 0 }).map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${i}`));
    expect(store.events({ after: id(9) })).toEqual([]);
  });

  it("follows the log page by page without losing or repeating an event, while more are written", () => {
    write(7);
    const seen: string[] = [];
    let last = 0;
    for (let page = 0; page < 20; page++) {
      const batch = store.events({ after: last, limit: 3 });
      if (page === 1) store.addEvent({ kind: "nodeset", node: "n03", message: "written while reading" });
      if (batch.length === 0) break;
      seen.push(...batch.map((e) => e.message));
      last = batch.at(-1)?.id ?? last;
    }
    expect(seen).toEqual([...Array.from({ length: 7 }, (_, i) => `event ${i}`), "written while reading"]);
  });

  it("combines after, node, kind and limit", () => {
    const id = write(12);
    const n01 = store.events({ after: id(2), node: "n01" }).map((e) => e.message);
    expect(n01).toEqual(["event 3", "event 6", "event 9"]);
    expect(store.events({ after: id(2), node: "n01", kind: "progress" }).map((e) => e.message)).toEqual(["event 3", "event 9"]);
    expect(store.events({ after: id(2), node: "n01", kind: "boot", limit: 1 }).map((e) => e.message)).toEqual(["event 6"]);
    expect(store.events({ kind: "boot", limit: 2 }).map((e) => e.message)).toEqual(["event 10", "event 8"]);
    expect(store.events({ node: "n02", limit: 2 }).map((e) => e.message)).toEqual(["event 11", "event 10"]);
    expect(store.events({ kind: "fail" })).toEqual([]);
  });

  it("reads an event as written, data included", () => {
    store.addEvent({ kind: "finish", node: "n07", osimage: "rocky9", message: "cloned rocky9 v3", data: { seconds: 42 } });
    const [event] = store.events({ after: 0 });
    expect(event).toMatchObject({ kind: "finish", node: "n07", osimage: "rocky9", message: "cloned rocky9 v3", data: { seconds: 42 } });
    expect(event?.id).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(event?.at ?? ""))).toBe(false);
  });

  it("knows every kind it writes, and nothing else", () => {
    expect(new Set(eventKinds).size).toBe(eventKinds.length);
    expect(eventKinds.every(isEventKind)).toBe(true);
    expect(["", "test", "hostkey-repinned", "Boot"].some(isEventKind)).toBe(false);
  });
});
