import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { parseFacts } from "../../src/layout/facts.js";
import { layoutFromFacts } from "../../src/layout/from-facts.js";
import type { Layout } from "../../src/layout/model.js";
import { validateLayout } from "../../src/layout/validate.js";
import { parseLayoutXml, renderLayoutXml } from "../../src/layout/xml.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function layoutOf(dir: string, name: string): Layout {
  const result = layoutFromFacts(parseFacts(readFileSync(path.join(dir, `${name}.json`), "utf8")));
  expect(result.warnings, name).toEqual([]);
  expect(validateLayout(result.layout), name).toEqual([]);
  expect(parseLayoutXml(renderLayoutXml(result.layout)), `${name} round trip`).toEqual(result.layout);
  return result.layout;
}

const partitions = (layout: Layout, disk: number) =>
  layout.disks[disk]?.partitions.map((p) => ({ num: p.num, size: p.size, pType: p.pType, flags: p.flags, sizeBytes: p.sizeBytes, lvmGroup: p.lvmGroup, raidDev: p.raidDev }));

/** What test/vm/facts-init.sh made on the VM's disks; the layouts must say exactly that. */
export function expectVmLayouts(dir: string): void {
  const gpt = layoutOf(dir, "gpt");
  expect(gpt.disks.map((d) => [d.dev, d.labelType, d.sizeBytes])).toEqual([["/dev/vda", "gpt", GiB]]);
  expect(partitions(gpt, 0)).toEqual([
    { num: 1, size: "67", pType: "primary", flags: ["esp"], sizeBytes: 64 * MiB, lvmGroup: undefined, raidDev: undefined },
    { num: 2, size: "419", pType: "primary", flags: [], sizeBytes: 400 * MiB, lvmGroup: undefined, raidDev: undefined },
    { num: 3, size: "*", pType: "primary", flags: [], sizeBytes: 558 * MiB, lvmGroup: undefined, raidDev: undefined },
  ]);
  expect(gpt.disks[0]?.partitions.map((p) => p.pName)).toEqual(["EFI System", "root", "var"]);
  expect(gpt.filesystems.map((f) => [f.mp, f.realDev, f.fs, f.mountDev, f.format])).toEqual([
    ["/", "/dev/vda2", "ext4", "LABEL=root", true],
    ["/var", "/dev/vda3", "ext4", "LABEL=var", true],
    ["/boot/efi", "/dev/vda1", "vfat", "LABEL=ESP", true],
  ]);

  const mbr = layoutOf(dir, "mbr");
  expect(mbr.disks.map((d) => [d.dev, d.labelType])).toEqual([["/dev/vdb", "msdos"]]);
  expect(partitions(mbr, 0)?.map((p) => [p.num, p.pType, p.size, p.flags])).toEqual([
    [1, "primary", "210", ["boot"]],
    [2, "extended", "*", []],
    [5, "logical", "105", ["swap"]],
    [6, "logical", "*", []],
  ]);
  expect(mbr.disks[0]?.partitions[0]?.sizeBytes).toBe(200 * MiB);
  expect(mbr.disks[0]?.partitions[2]?.sizeBytes).toBe(100 * MiB);
  expect(mbr.filesystems.map((f) => [f.mp, f.realDev, f.fs])).toEqual([["/", "/dev/vdb6", "ext4"], ["/boot", "/dev/vdb1", "ext4"], ["swap", "/dev/vdb5", "swap"]]);

  const lvm = layoutOf(dir, "lvm");
  expect(lvm.disks.map((d) => [d.dev, d.labelType])).toEqual([["/dev/vdc", "gpt"]]);
  expect(partitions(lvm, 0)?.map((p) => [p.num, p.size, p.flags, p.lvmGroup])).toEqual([[1, "*", ["lvm"], "vg0"]]);
  expect(lvm.volumeGroups.map((g) => [g.name, g.extentSize, g.volumes.map((v) => [v.name, v.sizeBytes])])).toEqual([
    ["vg0", "4096K", [["data", 720 * MiB], ["root", 300 * MiB]]],
  ]);
  expect(lvm.filesystems.map((f) => [f.mp, f.realDev])).toEqual([["/", "/dev/vg0/root"], ["/data", "/dev/vg0/data"]]);

  const raid = layoutOf(dir, "raid");
  expect(raid.disks.map((d) => [d.dev, d.labelType, d.partitions.map((p) => [p.num, p.size, p.flags, p.raidDev])])).toEqual([
    ["/dev/vdd", "msdos", [[1, "*", ["raid"], "/dev/md0"]]],
    ["/dev/vde", "msdos", [[1, "*", ["raid"], "/dev/md0"]]],
  ]);
  expect(raid.raids).toEqual([{ name: "/dev/md0", level: "raid1", devices: ["/dev/vdd1", "/dev/vde1"], spares: 0 }]);
  expect(raid.filesystems.map((f) => [f.mp, f.realDev, f.fs])).toEqual([["/", "/dev/md0", "ext4"]]);
}
