import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BootReport } from "../../src/boot/identity.js";
import { answerBoot, answerWithoutWrites, newBootState, type BootDeps, type BootState } from "../../src/boot/service.js";
import { ImageRepository } from "../../src/image/repository.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
let deps: BootDeps;
let state: BootState;

/** Everything /boot may write: nodes, events, installs. */
const snapshot = (): string => JSON.stringify([store.listObjects("node"), store.events({ limit: 1000 }).length, store.installs.live()]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-boot-nowrite-"));
  store = Store.open(":memory:");
  const repository = new ImageRepository(path.join(dir, "images"));
  await mkdir(path.join(repository.imageDir("rocky9"), "netboot"), { recursive: true });
  await writeFile(path.join(repository.imageDir("rocky9"), "netboot", "initrd.img"), "INITRD");
  store.createObject("osimage", "rocky9", defaults("osimage"));
  const node = (name: string, attributes: Record<string, string>): void => store.createObject("node", name, { ...defaults("node"), osimage: "rocky9", ...attributes });
  node("local", { mac: "52:54:00:00:00:01", destiny: "boot", state: "installed" });
  node("bare", { mac: "52:54:00:00:00:02", destiny: "boot", state: "installed", serial: "" });
  node("installing", { mac: "52:54:00:00:00:03", destiny: "install" });
  node("shell", { mac: "52:54:00:00:00:04", destiny: "shell" });
  node("byuuid", { uuid: "4c4c4544-0000-0000-0000-000000000005", destiny: "boot", state: "booted" });
  deps = { store, repository, serverUrl: "http://10.0.0.1:8080" };
  state = newBootState(store);
});

afterAll(async () => {
  state?.machines.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** answerBoot as /boot runs it: in a transaction of its own; what it answered and whether it wrote. */
function full(report: BootReport): { answer: unknown; wrote: boolean } {
  const before = snapshot();
  const answer = state.write(() => answerBoot(deps, state, report, "10.0.0.9"));
  return { answer, wrote: snapshot() !== before };
}

describe("/boot without a transaction: only when answerBoot would write nothing, and then its very answer", () => {
  const cases: [string, BootReport][] = [
    ["a node that boots its disk", { macs: ["52-54-00-00-00-01"] }],
    ["the same node with an unusable serial and UUID", { macs: ["52-54-00-00-00-01"], uuid: "", serial: "To Be Filled By O.E.M." }],
    ["a node that learns its serial", { macs: ["52-54-00-00-00-02"], serial: "SN2" }],
    ["a node to install", { macs: ["52-54-00-00-00-03"] }],
    ["a node to boot a shell", { macs: ["52-54-00-00-00-04"] }],
    ["a node known by UUID that learns its MAC", { macs: ["52-54-00-00-00-05"], uuid: "4c4c4544-0000-0000-0000-000000000005" }],
    ["an unknown machine", { macs: ["52-54-00-00-00-99"] }],
    ["an unknown machine with a serial", { macs: ["52-54-00-00-00-98"], serial: "SN98" }],
    ["no MAC at all", { macs: [] }],
  ];
  it.each(cases)("%s, asked three times", (_what, report) => {
    for (let round = 0; round < 3; round++) {
      const quick = answerWithoutWrites(deps, state, report);
      const { answer, wrote } = full(report);
      if (quick !== undefined) {
        expect(wrote).toBe(false);
        expect(quick).toEqual(answer);
      }
      // Only an install (a fresh token each time) writes on every request: everything else is answered without a transaction once recorded.
      if (round > 0 && report.macs[0] !== "52-54-00-00-00-03" && report.macs.length > 0 && report.macs[0] !== "52-54-00-00-00-04") expect(quick).toBeDefined();
    }
  });
});

describe("an answer that writes commits alone, at once", () => {
  it("a failure halfway keeps none of its writes, and the machine index forgets what it read of them", () => {
    store.createObject("node", "rolledback", { ...defaults("node"), osimage: "rocky9", uuid: "4c4c4544-0000-0000-0000-000000000006", destiny: "boot", state: "booted" });
    const before = snapshot();
    const learnt = { macs: ["52-54-00-00-00-06"], uuid: "4c4c4544-0000-0000-0000-000000000006" };
    expect(() =>
      state.write(() => {
        answerBoot(deps, state, learnt, "10.0.0.9");
        expect(state.machines.node("rolledback")?.["mac"]).toBe("52:54:00:00:00:06");
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(snapshot()).toBe(before);
    expect(state.machines.node("rolledback")?.["mac"]).toBe("");
    // Another answer goes through as usual afterwards.
    expect(state.write(() => answerBoot(deps, state, { macs: ["52-54-00-00-00-01"] }, "10.0.0.9")).template).toBe("local");
  });
});
