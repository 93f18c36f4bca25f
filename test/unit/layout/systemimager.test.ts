import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeLayout } from "../../../src/layout/describe.js";
import type { Layout } from "../../../src/layout/model.js";
import { parseLayoutXml, renderLayoutXml } from "../../../src/layout/xml.js";

/**
 * Every disk layout SystemImager ships, and one in the exact form its 4.x generator writes, read as
 * SystemImager reads them. The answers come from upstream (finley/SystemImager): the
 * systemimager.disks-layout(7) and autoinstallscript.conf(5) man pages, disk-layout.dtd and
 * disks-layout.xsd, and what lib/dracut/modules.d/51systemimager/disksmgt-lib.sh (4.9) does with a
 * file: convert2sectors for units, _do_raids for members (raid_dev= partitions, then devices=), the
 * fsinfo loop for comment lines, fat32 (mkfs -t msdos -F 32, fstab vfat) and filesystems it cannot
 * make (FS_FORMAT="no", the line kept in fstab).
 */
const fixture = (name: string): string => readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "layout", name), "utf8");
const read = (name: string): Layout => parseLayoutXml(fixture(name));

const partitions = (layout: Layout, disk = 0): [number, string, string, string[]][] =>
  (layout.disks[disk]?.partitions ?? []).map((p) => [p.num, p.size, p.pType, [...p.flags]]);
const filesystems = (layout: Layout): [number, string, string, string, boolean][] => layout.filesystems.map((f) => [f.line, f.realDev, f.mp, f.fs, f.format]);

describe("SystemImager's example disk layouts (doc/examples/disk-layout-*.xml)", () => {
  it("simple: MBR in MB, an extended partition holding swap and a growing root", () => {
    const layout = read("si-disk-layout-simple.xml");
    expect(layout.disks.map((d) => [d.dev, d.labelType, d.unit])).toEqual([["/dev/sda", "msdos", "MB"]]);
    expect(partitions(layout)).toEqual([[1, "500", "primary", ["boot"]], [2, "*", "extended", []], [5, "512", "logical", ["swap"]], [6, "*", "logical", []]]);
    expect(filesystems(layout)).toEqual([[100, "/dev/sda6", "/", "xfs", true], [101, "/dev/sda5", "swap", "swap", true], [102, "/dev/sda1", "/boot", "ext4", true]]);
    // MB is decimal (convert2sectors: size * 1000 * 1000): 500 MB is 476.8 MiB, said with its unit.
    expect(describeLayout(layout)).toContain("  /dev/sda1: 500 MB (476.8 MiB) (flags boot) ext4 on /boot");
    expect(describeLayout(layout)).toContain("  /dev/sda6: rest of the extended partition (logical) xfs on /");
  });

  it("complex: MiB, partitions listed out of number order, a growing logical between two fixed ones", () => {
    const layout = read("si-disk-layout-complex.xml");
    expect(layout.disks[0]?.unit).toBe("MiB");
    expect(partitions(layout)).toEqual([
      [1, "500", "primary", ["boot"]], [3, "4096", "primary", []], [4, "*", "extended", []], [7, "4096", "logical", []],
      [5, "*", "logical", []], [6, "2048", "logical", []], [2, "1024", "primary", ["swap"]],
    ]);
    expect(filesystems(layout).map(([, dev, mp]) => [dev, mp])).toEqual([
      ["/dev/sda5", "/"], ["/dev/sda6", "/var"], ["/dev/sda2", "swap"], ["/dev/sda1", "/boot"], ["/dev/sda3", "/home"], ["/dev/sda7", "/backup"],
    ]);
    const text = describeLayout(layout);
    // MiB is binary (size * 1024 * 1024): a 500 MiB partition is 500 MiB.
    expect(text).toContain("  /dev/sda1: 500 MiB (flags boot) ext4 on /boot");
    expect(text).toContain("  /dev/sda3: 4096 MiB ext4 on /home");
    expect(text).toContain("mounted in order: / (xfs), /var (xfs), /boot (ext4), /home (ext4), /backup (ext4)");
  });

  it("EFI: GPT in MiB, an esp partition with fat32 made as vfat -F 32", () => {
    const layout = read("si-disk-layout-EFI.xml");
    expect(layout.disks.map((d) => [d.dev, d.labelType, d.unit])).toEqual([["/dev/sda", "gpt", "MiB"]]);
    expect(partitions(layout)).toEqual([[1, "512", "primary", ["esp"]], [2, "2048", "primary", []], [3, "2048", "primary", ["swap"]], [4, "*", "primary", []]]);
    const esp = layout.filesystems.find((f) => f.mp === "/boot/efi");
    expect(esp).toMatchObject({ realDev: "/dev/sda1", fs: "vfat", mkfsOpts: "-F 32", options: "umask=0077,shortname=winnt", format: true });
  });

  it("lvm_over_raid: members named by raid_dev=, the volume group on /dev/md0, what cannot be made kept unformatted", () => {
    const layout = read("si-disk-layout-lvm_over_raid.xml");
    expect(partitions(layout, 0)).toEqual([[1, "101", "primary", ["boot"]], [2, "512", "primary", ["raid"]], [3, "*", "primary", ["raid"]]]);
    expect(partitions(layout, 1)).toEqual([[1, "512", "primary", ["raid"]], [2, "*", "primary", ["raid"]]]);
    expect(layout.raids).toEqual([
      { name: "/dev/md0", level: "1", devices: ["/dev/sda3", "/dev/sdb2"], spares: 0, lvmGroup: "systemvg" },
      { name: "/dev/md1", level: "1", devices: ["/dev/sda2", "/dev/sdb1"], spares: 0 },
    ]);
    expect(layout.volumeGroups).toEqual([{
      name: "systemvg", extentSize: "4096K",
      volumes: ["optlv", "rootlv", "tmplv", "usrlv", "varlv"].map((name) => ({ name, size: name === "usrlv" ? "5242880K" : "2097152K" })),
    }]);
    expect(filesystems(layout)).toEqual([
      [10, "/dev/systemvg/rootlv", "/", "reiserfs", true],
      [20, "/dev/sda1", "/boot", "reiserfs", true],
      [30, "/dev/systemvg/optlv", "/opt", "reiserfs", true],
      [40, "/dev/systemvg/tmplv", "/tmp", "ext2", true],
      [50, "/dev/systemvg/usrlv", "/usr", "reiserfs", true],
      [60, "/dev/systemvg/varlv", "/var", "reiserfs", true],
      [70, "/dev/md1", "swap", "swap", true],
      [80, "proc", "/proc", "proc", false],
      [90, "sysfs", "/sys", "sysfs", false],
      [100, "devpts", "/dev/pts", "devpts", false],
      [110, "/dev/dvd", "/media/dvd", "subfs", false],
      [120, "/dev/cdrecorder", "/media/cdrecorder", "subfs", false],
      // No format="no" here, but subfs is nothing mkfs makes: kept in fstab, never formatted.
      [130, "/dev/fd0", "/media/floppy", "subfs", false],
    ]);
    const text = describeLayout(layout);
    expect(text).toContain("raid /dev/md0: raid1 of /dev/sda3 /dev/sdb2 LVM PV of systemvg");
    expect(text).toContain("raid /dev/md1: raid1 of /dev/sda2 /dev/sdb1 swap on swap");
    expect(text).toContain("  /dev/systemvg/usrlv: 5.0 GiB reiserfs on /usr");
    expect(text).toContain("kept in fstab, not formatted: /media/dvd (subfs on /dev/dvd), /media/cdrecorder (subfs on /dev/cdrecorder), /media/floppy (subfs on /dev/fd0)");
  });
});

describe("SystemImager 4.x autoinstallscript.conf", () => {
  it("the lvm_over_raid example of v4.3.0 (hda/hdc, phys_exent_size misspelt: the default extent)", () => {
    const layout = read("si-autoinstallscript.conf-lvm_over_raid");
    expect(layout.disks.map((d) => d.dev)).toEqual(["/dev/hda", "/dev/hdc"]);
    expect(layout.raids.map((r) => [r.name, r.devices, r.lvmGroup ?? ""])).toEqual([
      ["/dev/md0", ["/dev/hda3", "/dev/hdc2"], "systemvg"],
      ["/dev/md1", ["/dev/hda2", "/dev/hdc1"], ""],
    ]);
    expect(layout.volumeGroups[0]?.extentSize).toBe("4096K");
    expect(layout.devstyle).toBe("static");
  });

  it("what si_prepareclient writes: bare <raid name devices> arrays, no raid_dev, a spare, fstab comment lines", () => {
    const layout = read("si-prepareclient-autoinstallscript.conf");
    expect(layout.disks.map((d) => [d.dev, d.partitions.length])).toEqual([["/dev/sda", 3], ["/dev/sdb", 3], ["/dev/sdc", 1]]);
    expect(layout.raids).toEqual([
      { name: "/dev/md1", level: "raid1", devices: ["/dev/sda2", "/dev/sdb2"], spares: 0 },
      { name: "/dev/md0", level: "raid1", devices: ["/dev/sda3", "/dev/sdb3", "/dev/sdc1"], spares: 1, lvmGroup: "vg_root" },
    ]);
    expect(layout.comments).toEqual([
      { line: 10, text: "# /etc/fstab: static file system information." },
      { line: 20, text: " " },
      { line: 30, text: "# <file system> <mount point>   <type>  <options>       <dump>  <pass>" },
    ]);
    expect(filesystems(layout)).toEqual([
      [40, "/dev/mapper/vg_root-root", "/", "ext4", true],
      [50, "/dev/sda1", "/boot", "ext4", true],
      [60, "/dev/mapper/vg_root-home", "/home", "ext4", true],
      [70, "/dev/md1", "none", "swap", true],
      [80, "proc", "/proc", "proc", false],
      [90, "/dev/fd0", "/media/floppy", "auto", false],
      [100, "/dev/scd0", "/media/cdrom0", "udf,iso9660", false],
    ]);
    expect(layout.filesystems[1]?.mountDev).toBe("UUID=2a7b5c3e-6d0f-4c1e-9b8a-1f2e3d4c5b6a");
    const text = describeLayout(layout);
    expect(text).toContain("raid /dev/md0: raid1 of /dev/sda3 /dev/sdb3 /dev/sdc1 (last 1 spare) LVM PV of vg_root");
    expect(text).toContain("  /dev/sdc1: rest of disk (flags raid, member of /dev/md0)");
    expect(text).toContain("  /dev/vg_root/root: 8.0 GiB ext4 on /");
    expect(text).toContain("kept in fstab, not formatted: /media/floppy (auto on /dev/fd0), /media/cdrom0 (udf,iso9660 on /dev/scd0)");
  });

  it.each([
    "si-disk-layout-simple.xml", "si-disk-layout-complex.xml", "si-disk-layout-EFI.xml", "si-disk-layout-lvm_over_raid.xml",
    "si-autoinstallscript.conf-lvm_over_raid", "si-prepareclient-autoinstallscript.conf",
  ])("%s reads back identically once written", (name) => {
    const layout = read(name);
    const written = renderLayoutXml(layout);
    expect(parseLayoutXml(written)).toEqual(layout);
    expect(renderLayoutXml(parseLayoutXml(written))).toBe(written);
  });
});

describe("units as systemimager.disks-layout(7) defines them", () => {
  const disk = (unit: string, size: string): string =>
    `<config><disk dev="/dev/sda" label_type="msdos" unit_of_measurement="${unit}"><part num="1" size="${size}" p_type="primary"/><part num="2" size="*" p_type="primary"/></disk>` +
    `<fsinfo line="1" real_dev="/dev/sda2" mp="/" fs="ext4"/></config>`;
  it.each([
    ["MB", "500", "500 MB (476.8 MiB)"],
    ["MiB", "500", "500 MiB"],
    ["GB", "2", "2 GB (1.9 GiB)"],
    ["GiB", "2", "2 GiB"],
    ["kB", "1000", "1000 kB (976.6 KiB)"],
    ["KiB", "1024", "1024 KiB"],
    ["TB", "1", "1 TB (931.3 GiB)"],
    ["s", "2048", "2048 sectors (1.0 MiB)"],
    ["%", "25", "25% of the disk"],
    ["percent", "12.5", "12.5% of the disk"],
    ["percentage", "10", "10% of the disk"],
    // SystemImager 4.3's si_mkautoinstallscript lower-cases the unit and reads "megabytes" too.
    ["mb", "100", "100 MB (95.4 MiB)"],
  ])("%s: %s is described as %s", (unit, size, said) => {
    expect(describeLayout(parseLayoutXml(disk(unit, size)))).toContain(`  /dev/sda1: ${said}`);
  });
});
