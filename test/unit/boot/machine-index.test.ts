import { describe, expect, it } from "vitest";
import { MachineIndex, type MachineSource } from "../../../src/boot/machine-index.js";
import type { Attributes } from "../../../src/objects/schema.js";

/** An in-memory store: `write` is this connection (the index hears the name), `commitElsewhere` another process. */
function memoryStore(): MachineSource & { write(name: string, attributes: Attributes | undefined): void; commitElsewhere(name: string, attributes: Attributes): void; reads: number } {
  const rows = new Map<string, Attributes>();
  const listeners = new Set<(name: string) => void>();
  let version = 1;
  const store = {
    reads: 0,
    dataVersion: () => version,
    listObjects: () => {
      store.reads++;
      return [...rows].map(([name, attributes]) => ({ name, attributes }));
    },
    getObject: (_type: "node", name: string) => {
      store.reads++;
      return rows.get(name);
    },
    watchNodes(listener: (name: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    write(name: string, attributes: Attributes | undefined) {
      for (const listener of listeners) listener(name);
      if (attributes) rows.set(name, attributes);
      else rows.delete(name);
    },
    commitElsewhere(name: string, attributes: Attributes) {
      rows.set(name, attributes);
      version++;
    },
  };
  return store;
}

const names = (index: MachineIndex, mac: string): string[] => index.candidates({ macs: [mac] }).map((m) => m.name);

describe("MachineIndex: /boot's view of the nodes", () => {
  it("answers repeated requests without reading the store, and follows this connection's writes node by node", () => {
    const store = memoryStore();
    store.write("n1", { mac: "52:54:00:00:00:01", destiny: "boot" });
    const index = new MachineIndex(store);
    expect(names(index, "52-54-00-00-00-01")).toEqual(["n1"]);
    const reads = store.reads;
    for (let i = 0; i < 100; i++) index.candidates({ macs: ["52:54:00:00:00:01"] });
    expect(store.reads).toBe(reads);

    store.write("n1", { mac: "52:54:00:00:00:02", destiny: "install" });
    expect(names(index, "52:54:00:00:00:01")).toEqual([]);
    expect(names(index, "52:54:00:00:00:02")).toEqual(["n1"]);
    expect(index.node("n1")?.["destiny"]).toBe("install");
    expect(store.reads).toBe(reads + 1);

    store.write("d1", { mac: "52:54:00:00:00:09", state: "discovered" });
    expect(index.discoveredCount()).toBe(1);
    store.write("d1", undefined);
    expect(index.discoveredCount()).toBe(0);
    expect(index.node("d1")).toBeUndefined();
    index.close();
  });

  it("rebuilds after another process commits (nodeset at the shell), and after invalidate()", () => {
    const store = memoryStore();
    store.write("n1", { mac: "52:54:00:00:00:01", destiny: "boot" });
    const index = new MachineIndex(store);
    expect(index.node("n1")?.["destiny"]).toBe("boot");
    store.commitElsewhere("n1", { mac: "52:54:00:00:00:01", destiny: "install" });
    expect(index.node("n1")?.["destiny"]).toBe("install");
    const reads = store.reads;
    index.invalidate();
    index.node("n1");
    expect(store.reads).toBe(reads + 1);
  });

  it("stops listening once closed", () => {
    const store = memoryStore();
    const index = new MachineIndex(store);
    expect(names(index, "52:54:00:00:00:01")).toEqual([]);
    index.close();
    store.write("n1", { mac: "52:54:00:00:00:01" });
    expect(names(index, "52:54:00:00:00:01")).toEqual([]);
  });
  it("within a write transaction looks at the database's version once, and still follows its own writes", () => {
    const store = memoryStore();
    let looks = 0;
    const source: MachineSource = {
      dataVersion: () => (looks++, store.dataVersion()),
      listObjects: (type) => store.listObjects(type),
      getObject: (type, name) => store.getObject(type, name),
      watchNodes: (listener) => store.watchNodes(listener),
    };
    store.write("n1", { mac: "52:54:00:00:00:01", destiny: "boot" });
    const index = new MachineIndex(source);
    const seen = index.within(() => {
      for (let i = 0; i < 10; i++) index.candidates({ macs: ["52:54:00:00:00:01"] });
      store.write("n1", { mac: "52:54:00:00:00:01", destiny: "install" });
      return index.node("n1")?.["destiny"];
    });
    expect(seen).toBe("install");
    expect(looks).toBe(1);
    // Outside, every read looks again: another process may have committed.
    store.commitElsewhere("n2", { mac: "52:54:00:00:00:02" });
    expect(names(index, "52:54:00:00:00:02")).toEqual(["n2"]);
    expect(looks).toBe(2);
  });
});
