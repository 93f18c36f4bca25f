import { describe, expect, it } from "vitest";
import { diffInventory } from "../../../src/inventory/diff.js";
import { describeNodeInventory, nodeInventoryView, type InventoryReader } from "../../../src/inventory/view.js";
import type { Inventory } from "../../../src/plan/model.js";
import type { InventoryRecord } from "../../../src/store/inventories.js";

const GiB = 1024 ** 3;

const installed: Inventory = {
  firmware: "uefi",
  cpu: { model: "Xeon Gold 6338", count: 64 },
  memoryBytes: 256 * GiB,
  disks: [
    { name: "sda", sizeBytes: 480e9, serial: "S1", model: "SSD 480", rotational: false, transport: "sata" },
    { name: "sdb", sizeBytes: 480e9, serial: "S2", model: "SSD 480", rotational: false, transport: "sata" },
  ],
  nics: [{ name: "eno1", mac: "52:54:00:00:00:01", driver: "ixgbe", link: true, speedMbps: 10000 }],
  dmi: { vendor: "Dell Inc.", product: "PowerEdge R650", serial: "ABC123", uuid: "4c4c4544-0000-1000-8000-000000000001", biosVersion: "1.5.4" },
};

describe("diffInventory", () => {
  it("finds nothing between a machine and itself, nor in what a pre-install script assembled from its disks", () => {
    expect(diffInventory(installed, installed)).toEqual([]);
    const assembled: Inventory = {
      ...installed,
      disks: [...installed.disks.map((d) => ({ ...d, memberOf: "md0" })), { name: "md0", sizeBytes: 479e9, raidLevel: "raid1", transport: "md" }],
    };
    expect(diffInventory(installed, assembled)).toEqual([]);
  });

  it.each<[string, Partial<Inventory>, string[]]>([
    ["less memory", { memoryBytes: 128 * GiB }, ["memory-less"]],
    ["more memory", { memoryBytes: 512 * GiB }, ["memory-more"]],
    ["a swapped disk (same slot, another serial)", { disks: [installed.disks[0]!, { ...installed.disks[1]!, serial: "S9", model: "SSD 960" }] }, ["disk-swapped"]],
    ["a disk gone", { disks: [installed.disks[0]!] }, ["disk-removed"]],
    ["a disk added", { disks: [...installed.disks, { name: "sdc", sizeBytes: 2e12, serial: "H1" }] }, ["disk-added"]],
    ["disks renamed but the same drives", { disks: [{ ...installed.disks[1]!, name: "sda" }, { ...installed.disks[0]!, name: "sdb" }] }, []],
    ["fewer CPUs", { cpu: { model: "Xeon Gold 6338", count: 32 } }, ["cpus-fewer"]],
    ["a NIC gone and another added", { nics: [{ name: "eno1", mac: "52:54:00:00:00:02" }] }, ["nic-removed", "nic-added"]],
    ["a slower link", { nics: [{ ...installed.nics[0]!, speedMbps: 1000 }] }, ["nic-speed"]],
    ["another board", { dmi: { ...installed.dmi, serial: "XYZ999" } }, ["board"]],
    ["a BIOS update", { dmi: { ...installed.dmi, biosVersion: "1.6.0" } }, ["bios"]],
  ])("flags %s", (_what, change, kinds) => {
    expect(diffInventory(installed, { ...installed, ...change }).map((c) => c.kind)).toEqual(kinds);
  });

  it("says what changed in words an admin reads", () => {
    const changes = diffInventory(installed, { ...installed, memoryBytes: 128 * GiB, disks: [installed.disks[0]!, { ...installed.disks[1]!, serial: "S9" }] });
    expect(changes.map((c) => c.message)).toEqual(["less memory: 128.0 GiB, was 256.0 GiB", "disk sdb was swapped: serial S2 → S9"]);
  });
});

describe("nodeInventoryView", () => {
  const record = (id: number, inventory: Inventory, source: InventoryRecord["source"], installId = 0): InventoryRecord => ({ id, node: "n01", takenAt: `2026-12-01T06:0${id}:00.000Z`, source, installId, inventory: JSON.stringify(inventory) });
  const reader = (latest: InventoryRecord | undefined, installedRecord: InventoryRecord | undefined): InventoryReader => ({
    latest: () => latest,
    lastInstalled: (_node, before) => (installedRecord !== undefined && installedRecord.id < (before ?? Infinity) ? installedRecord : undefined),
  });

  it("compares a shell boot's report with the last install and flags the change", () => {
    const view = nodeInventoryView(reader(record(2, { ...installed, memoryBytes: 128 * GiB }, "shell"), record(1, installed, "install", 7)), "n01");
    expect(view.changes.map((c) => c.kind)).toEqual(["memory-less"]);
    expect(describeNodeInventory(view).split("\n").slice(0, 4)).toEqual([
      "n01: inventory of 2026-12-01T06:02:00.000Z (shell); HARDWARE CHANGED since its last install (2026-12-01T06:01:00.000Z)",
      "  changed   less memory: 128.0 GiB, was 256.0 GiB",
      "  cpu       64 x Xeon Gold 6338",
      "  memory    128.0 GiB",
    ]);
    expect(describeNodeInventory(view)).toContain("  disk      sda 447.0 GiB sata ssd SSD 480 serial S1");
    expect(describeNodeInventory(view)).toContain("  nic       eno1 52:54:00:00:00:01 ixgbe link up 10000 Mbit/s");
    expect(describeNodeInventory(view)).toContain("  dmi       Dell Inc. PowerEdge R650 serial ABC123 uuid 4c4c4544-0000-1000-8000-000000000001 bios 1.5.4");
  });

  it("says so when a node never reported, and when nothing changed", () => {
    expect(describeNodeInventory(nodeInventoryView(reader(undefined, undefined), "n01"))).toBe("n01: no inventory yet (boot it once: nodeset n01 shell, or install it)");
    expect(describeNodeInventory(nodeInventoryView(reader(record(2, installed, "shell"), record(1, installed, "install", 7)), "n01")).split("\n")[0]).toContain("unchanged since its last install");
  });
});
