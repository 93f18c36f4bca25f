import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { describeLayout } from "../../../src/layout/describe.js";
import { parseLayoutXml, renderLayoutXml } from "../../../src/layout/xml.js";

const fixture = (name: string): string => readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "layout", name), "utf8");

describe("layout.xml", () => {
  it("imports SystemImager's autoinstallscript.conf: MBR with logicals, RAID1, LVM", () => {
    const layout = parseLayoutXml(fixture("systemimager-autoinstallscript.conf"));
    expect(layout.disks.map((d) => [d.dev, d.labelType, d.partitions.length])).toEqual([["/dev/sda", "msdos", 5], ["/dev/sdb", "msdos", 2]]);
    expect(layout.disks[0]?.partitions[3]).toMatchObject({ num: 5, size: "1024", pType: "logical", flags: ["swap"] });
    expect(layout.disks[0]?.partitions[4]).toMatchObject({ num: 6, size: "*", lvmGroup: "vg_sys", flags: ["lvm"] });
    expect(layout.raids).toEqual([{ name: "/dev/md0", level: "raid1", devices: ["/dev/sda2", "/dev/sdb2"], spares: 0 }]);
    expect(layout.volumeGroups).toEqual([{ name: "vg_sys", extentSize: "4096K", volumes: [{ name: "lv_root", size: "4194304K" }, { name: "lv_home", size: "*" }] }]);
    expect(layout.filesystems.map((f) => [f.mp, f.fs, f.format])).toEqual([
      ["/", "ext4", true], ["/boot", "ext3", true], ["/srv", "xfs", true], ["/home", "ext4", true],
      ["/dev/pts", "devpts", false], ["swap", "swap", true], ["/scratch", "ext4", false],
    ]);
    expect(layout.filesystems[3]?.mkfsOpts).toBe("-m 0");
    expect(describeLayout(layout).join("\n")).toContain("/dev/md0: raid1 of /dev/sda2 /dev/sdb2 xfs on /srv");
  });

  it("reads back identically what it writes", () => {
    const layout = parseLayoutXml(fixture("systemimager-autoinstallscript.conf"));
    const written = renderLayoutXml(layout);
    const again = parseLayoutXml(written);
    expect(again).toEqual(layout);
    expect(renderLayoutXml(again)).toBe(written);
  });

  it.each([
    ["not XML at all", "this is not xml", "not well-formed"],
    ["unclosed element", "<config><disk dev='/dev/sda'></config>", "not well-formed"],
    ["wrong root", "<layout/>", "root element must be <config>"],
    ["disk without dev", "<config><disk label_type='gpt'/></config>", "lacks the attribute dev"],
    ["bad label", "<config><disk dev='/dev/sda' label_type='sun'/></config>", "label_type \"sun\""],
    ["bad size", "<config><disk dev='/dev/sda' label_type='gpt'><part num='1' size='big' p_type='primary'/></disk></config>", "size \"big\""],
    ["two growing", "<config><disk dev='/dev/sda' label_type='gpt'><part num='1' size='*'/><part num='2' size='*'/></disk></config>", "only one partition"],
    ["logical on gpt", "<config><disk dev='/dev/sda' label_type='gpt'><part num='5' size='1' p_type='logical'/></disk></config>", "only primary"],
    ["logical without extended", "<config><disk dev='/dev/sda' label_type='msdos'><part num='5' size='1' p_type='logical'/></disk></config>", "needs an extended"],
    ["fsinfo on a missing device", "<config><disk dev='/dev/sda' label_type='gpt'><part num='1' size='*'/></disk><fsinfo line='1' real_dev='/dev/sdz1' mp='/' fs='ext4'/></config>", "/dev/sdz1 is not a disk"],
    ["raid member missing", "<config><disk dev='/dev/sda' label_type='gpt'><part num='1' size='*'/></disk><raid><raid_disk name='/dev/md0' raid_level='raid1' devices='/dev/sda1 /dev/sdb1'/></raid></config>", "member /dev/sdb1"],
    ["non-numeric line", "<config><fsinfo line='x' real_dev='none' mp='/proc' fs='proc'/></config>", "not a whole number"],
  ])("refuses %s with BAD_LAYOUT", (_name, text, fragment) => {
    let caught: unknown;
    try {
      parseLayoutXml(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SyscloneError);
    expect((caught as SyscloneError).code).toBe("BAD_LAYOUT");
    expect((caught as SyscloneError).message).toContain(fragment);
  });
});
