import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import type { Layout } from "../../../src/layout/model.js";
import { parseLayoutXml } from "../../../src/layout/xml.js";
import { deviceBytes } from "../../../src/plan/capacity.js";
import type { Inventory } from "../../../src/plan/model.js";
import { planClone, type PlanInput } from "../../../src/plan/planner.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const fixtures = path.join(import.meta.dirname, "..", "..", "fixtures");

/** SystemImager's autoinstallscript.conf (fixture: MBR, RAID1, LVM): sizes in MB, no size_bytes anywhere. */
const systemImager = (): Layout => parseLayoutXml(readFileSync(path.join(fixtures, "layout", "systemimager-autoinstallscript.conf"), "utf8"));

/**
 * The simplest layout mkautoinstallscript writes (systemimager.disks-layout(7)'s example form):
 * a /boot of 100 MB and a root that grows, no disk size recorded.
 */
const twoPartitions = (): Layout =>
  parseLayoutXml(`<config>
  <disk dev="/dev/sda" label_type="msdos" unit_of_measurement="MB">
    <part num="1" size="100" p_type="primary" p_name="-" flags="boot" />
    <part num="2" size="*" p_type="primary" p_name="-" flags="-" />
  </disk>
  <fsinfo line="10" real_dev="/dev/sda2" mp="/" fs="ext4" options="defaults" dump="1" pass="1" />
  <fsinfo line="20" real_dev="/dev/sda1" mp="/boot" fs="ext4" options="defaults" dump="1" pass="2" />
</config>`);

function inventory(sizes: readonly number[]): Inventory {
  return { disks: sizes.map((sizeBytes, i) => ({ name: `sd${String.fromCharCode(97 + i)}`, sizeBytes })), nics: [{ name: "eth0", mac: "52:54:00:12:34:56" }], firmware: "bios" };
}

function input(layout: Layout, inv: Inventory, usedBytes: number): PlanInput {
  let n = 0;
  return {
    layout,
    inventory: inv,
    node: { name: "n01", allowSmaller: false, finalAction: "reboot" },
    image: { name: "legacy", version: 1, usedBytes, allowSmaller: false, transport: "rsync", verify: true },
    overrides: [],
    postscripts: [],
    serverUrl: "http://10.0.0.1:8080",
    rsyncPort: 8873,
    newUuid: () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`,
  };
}

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSyscloneError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("planClone: the image must fit in the planned filesystems, whatever the layout says of disk sizes", () => {
  it("refuses a 50 GiB image on a 110 MiB disk with a layout that records no disk size, naming the numbers", () => {
    const layout = twoPartitions();
    expect(layout.disks[0]?.sizeBytes).toBeUndefined();
    const { code, message } = refusal(() => planClone(input(layout, inventory([110 * MiB]), 50 * GiB)));
    expect(code).toBe("DISK_TOO_SMALL");
    expect(message).toContain(`its files take 50.0 GiB (${50 * GiB} bytes)`);
    expect(message).toMatch(/planned filesystems hold [\d.]+ MiB \(\d+ bytes\): \/ [\d.]+ MiB, \/boot [\d.]+ MiB/);
  });

  it("plans the same layout when the image fits", () => {
    const plan = planClone(input(twoPartitions(), inventory([110 * MiB]), 5 * MiB));
    expect(plan.filesystems.map((fs) => fs.mp)).toEqual(["/", "/boot"]);
  });

  it("counts RAID and logical volumes: SystemImager's RAID1 + LVM layout on two 8 GiB disks", () => {
    const layout = systemImager();
    expect(layout.disks.every((d) => d.sizeBytes === undefined)).toBe(true);
    const fits = planClone(input(layout, inventory([8 * GiB, 8 * GiB]), 6 * GiB));
    expect(fits.filesystems.map((fs) => fs.mp).sort()).toEqual(["/", "/boot", "/home", "/srv"]);
    const { code, message } = refusal(() => planClone(input(layout, inventory([8 * GiB, 8 * GiB]), 20 * GiB)));
    expect(code).toBe("DISK_TOO_SMALL");
    expect(message).toContain("/home");
    expect(message).toContain("/srv");
  });

  it("sizes logical volumes: fixed, a share of the group, and the rest", () => {
    const bytes = deviceBytes({
      disks: [{ goldenDev: "/dev/sda", dev: "/dev/vda", sizeBytes: 1025 * MiB, sectorSize: 512, labelType: "gpt", partitions: [{ num: 1, dev: "/dev/vda1", goldenDev: "/dev/sda1", pType: "primary", startBytes: MiB, sizeBytes: 1001 * MiB, grows: true, type: "lvm", bootable: false, legacyBootable: false }] }],
      raidBytes: new Map(),
      volumeGroups: [{ name: "vg-sys", physicalVolumes: ["/dev/vda1"], extentSize: "4M", volumes: [{ name: "root", sizeBytes: 400 * MiB }, { name: "tmp", extents: "10%VG" }, { name: "home", extents: "100%FREE" }] }],
      filesystems: [],
    });
    expect(bytes.get("/dev/vg-sys/root")).toBe(400 * MiB);
    expect(bytes.get("/dev/vg-sys/tmp")).toBe(100 * MiB);
    expect(bytes.get("/dev/vg-sys/home")).toBe(500 * MiB);
    expect(bytes.get("/dev/mapper/vg--sys-home")).toBe(500 * MiB);
  });
});
