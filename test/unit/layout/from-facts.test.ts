import { describe, expect, it } from "vitest";
import { parseFacts } from "../../../src/layout/facts.js";
import { layoutFromFacts } from "../../../src/layout/from-facts.js";
import { parseLayoutXml, renderLayoutXml } from "../../../src/layout/xml.js";
import { validateLayout } from "../../../src/layout/validate.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Collector output in the exact shape util-linux 2.38's lsblk/findmnt/sfdisk --json print. */
function collectorOutput(parts: { lsblk: unknown[]; findmnt: unknown[]; sfdisk: Record<string, unknown>; fstab: string; root?: string; lvs?: unknown[]; vgs?: unknown[] }): string {
  return JSON.stringify({
    collector: 1,
    root_b64: b64(parts.root ?? "/"),
    running_kernel_b64: b64("6.1.0-27-amd64"),
    hostname_b64: b64("golden"),
    rsync_b64: b64("/usr/bin/rsync"),
    kernels_b64: b64("vmlinuz-6.1.0-27-amd64\n"),
    modules_b64: b64("6.1.0-27-amd64\n"),
    fstab_b64: b64(parts.fstab),
    lsblk: { blockdevices: parts.lsblk },
    findmnt: { filesystems: parts.findmnt },
    sfdisk: Object.fromEntries(Object.entries(parts.sfdisk).map(([k, v]) => [k, { partitiontable: v }])),
    lvs: parts.lvs ? { report: [{ lv: parts.lvs }] } : null,
    vgs: parts.vgs ? { report: [{ vg: parts.vgs }] } : null,
  });
}

const dev = (name: string, type: string, size: number, extra: Record<string, unknown> = {}, children?: unknown[]) => ({
  name, kname: name, path: `/dev/${name}`, type, size, fstype: null, uuid: null, label: null, partuuid: null, partlabel: null, parttype: null, pttype: null, mountpoint: null, pkname: null,
  ...extra, ...(children ? { children } : {}),
});

describe("layout from collector facts", () => {
  it("GPT with ESP, root and a growing /var; pseudo and network mounts excluded, swap file left out", () => {
    const output = collectorOutput({
      lsblk: [dev("vda", "disk", 8 * GiB, { pttype: "gpt" }, [
        dev("vda1", "part", 512 * MiB, { fstype: "vfat", uuid: "ABCD-1234", parttype: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", partlabel: "EFI System", mountpoint: "/boot/efi" }),
        dev("vda2", "part", 4 * GiB, { fstype: "ext4", uuid: "11111111-2222-3333-4444-555555555555", label: "root", mountpoint: "/" }),
        dev("vda3", "part", 7337951 * 512, { fstype: "ext4", uuid: "66666666-7777-8888-9999-000000000000", mountpoint: "/var" }),
      ])],
      findmnt: [
        { target: "/", source: "/dev/vda2", fstype: "ext4", options: "rw,relatime" },
        { target: "/proc", source: "proc", fstype: "proc", options: "rw" },
        { target: "/sys", source: "sysfs", fstype: "sysfs", options: "rw" },
        { target: "/boot/efi", source: "/dev/vda1", fstype: "vfat", options: "rw" },
        { target: "/var", source: "/dev/vda3", fstype: "ext4", options: "rw" },
        { target: "/home/shared", source: "nas:/export/home", fstype: "nfs4", options: "rw" },
      ],
      sfdisk: {
        "/dev/vda": {
          label: "gpt", id: "AAAA", device: "/dev/vda", unit: "sectors", firstlba: 2048, lastlba: 16777182, sectorsize: 512,
          partitions: [
            { node: "/dev/vda1", start: 2048, size: 1048576, type: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", uuid: "X1", name: "EFI System" },
            { node: "/dev/vda2", start: 1050624, size: 8388608, type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4", uuid: "X2" },
            { node: "/dev/vda3", start: 9439232, size: 7337951, type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4", uuid: "X3" },
          ],
        },
      },
      fstab: [
        "UUID=11111111-2222-3333-4444-555555555555 / ext4 errors=remount-ro 0 1",
        "UUID=ABCD-1234 /boot/efi vfat umask=0077 0 1",
        "UUID=66666666-7777-8888-9999-000000000000 /var ext4 defaults 0 2",
        "/swapfile none swap sw 0 0",
        "nas:/export/home /home/shared nfs4 defaults 0 0",
      ].join("\n"),
    });
    const { layout, mountExcludes, swapFiles, warnings } = layoutFromFacts(parseFacts(output));
    expect(warnings).toEqual([]);
    expect(layout.disks).toHaveLength(1);
    const [disk] = layout.disks;
    expect(disk).toMatchObject({ dev: "/dev/vda", labelType: "gpt", sizeBytes: 8 * GiB });
    expect(disk?.partitions.map((p) => [p.num, p.size, p.flags, p.pName, p.startBytes, p.sizeBytes])).toEqual([
      [1, "537", ["esp"], "EFI System", 1 * MiB, 512 * MiB],
      [2, "4295", [], "-", 1050624 * 512, 4 * GiB],
      [3, "*", [], "-", 9439232 * 512, 7337951 * 512],
    ]);
    expect(layout.filesystems.map((f) => [f.mp, f.realDev, f.fs, f.format, f.options])).toEqual([
      ["/", "/dev/vda2", "ext4", true, "errors=remount-ro"],
      ["/var", "/dev/vda3", "ext4", true, "defaults"],
      ["/boot/efi", "/dev/vda1", "vfat", true, "umask=0077"],
      ["/home/shared", "nas:/export/home", "nfs4", false, "defaults"],
    ]);
    expect(mountExcludes).toEqual(["/proc/*", "/sys/*", "/home/shared/*"]);
    expect(swapFiles).toEqual(["/swapfile"]);
    expect(validateLayout(layout)).toEqual([]);
    expect(parseLayoutXml(renderLayoutXml(layout))).toEqual(layout);
  });

  it("MBR with extended and logical partitions, LVM on a logical, RAID1 across two disks", () => {
    const output = collectorOutput({
      lsblk: [
        dev("sda", "disk", 20 * GiB, { pttype: "dos" }, [
          dev("sda1", "part", 512 * MiB, { fstype: "ext4", uuid: "0b00b000-0000-4000-8000-000000000001", mountpoint: "/boot" }),
          dev("sda2", "part", 1024, {}),
          dev("sda5", "part", GiB, { fstype: "swap", uuid: "5a5a0000-0000-4000-8000-000000000002" }),
          dev("sda6", "part", 20 * GiB - 1538 * MiB - 2 * MiB, { fstype: "LVM2_member" }, [
            dev("vg0-root", "lvm", 8 * GiB, { path: "/dev/mapper/vg0-root", fstype: "ext4", uuid: "4007f000-0000-4000-8000-000000000003", mountpoint: "/" }),
            dev("vg0-home--data", "lvm", 4 * GiB, { path: "/dev/mapper/vg0-home--data", fstype: "xfs", uuid: "40e00000-0000-4000-8000-000000000004", mountpoint: "/home" }),
          ]),
        ]),
        dev("sdb", "disk", 10 * GiB, { pttype: "dos" }, [dev("sdb1", "part", 10 * GiB - MiB, { fstype: "linux_raid_member" }, [dev("md0", "raid1", 10 * GiB - 2 * MiB, { fstype: "ext4", uuid: "3d000000-0000-4000-8000-000000000005", mountpoint: "/srv" })])]),
        dev("sdc", "disk", 10 * GiB, { pttype: "dos" }, [dev("sdc1", "part", 10 * GiB - MiB, { fstype: "linux_raid_member" }, [dev("md0", "raid1", 10 * GiB - 2 * MiB, { fstype: "ext4", uuid: "3d000000-0000-4000-8000-000000000005", mountpoint: "/srv" })])]),
        dev("sdd", "disk", 100 * GiB, {}, []),
      ],
      findmnt: [
        { target: "/", source: "/dev/mapper/vg0-root", fstype: "ext4", options: "rw" },
        { target: "/boot", source: "/dev/sda1", fstype: "ext4", options: "rw" },
        { target: "/home", source: "/dev/mapper/vg0-home--data", fstype: "xfs", options: "rw" },
        { target: "/srv", source: "/dev/md0", fstype: "ext4", options: "rw" },
        { target: "/run", source: "tmpfs", fstype: "tmpfs", options: "rw" },
      ],
      sfdisk: {
        "/dev/sda": {
          label: "dos", id: "0x1", device: "/dev/sda", unit: "sectors", sectorsize: 512,
          partitions: [
            { node: "/dev/sda1", start: 2048, size: 1048576, type: "83", bootable: true },
            { node: "/dev/sda2", start: 1050624, size: 40892416, type: "5" },
            { node: "/dev/sda5", start: 1052672, size: 2097152, type: "82" },
            { node: "/dev/sda6", start: 3151872, size: 38791168, type: "8e" },
          ],
        },
        "/dev/sdb": { label: "dos", device: "/dev/sdb", unit: "sectors", sectorsize: 512, partitions: [{ node: "/dev/sdb1", start: 2048, size: 20969472, type: "fd" }] },
        "/dev/sdc": { label: "dos", device: "/dev/sdc", unit: "sectors", sectorsize: 512, partitions: [{ node: "/dev/sdc1", start: 2048, size: 20969472, type: "fd" }] },
      },
      lvs: [
        { lv_name: "root", vg_name: "vg0", lv_size: String(8 * GiB), lv_path: "/dev/vg0/root" },
        { lv_name: "home-data", vg_name: "vg0", lv_size: String(4 * GiB), lv_path: "/dev/vg0/home-data" },
      ],
      vgs: [{ vg_name: "vg0", vg_extent_size: String(4 * MiB), vg_size: String(18 * GiB) }],
      fstab: [
        "/dev/mapper/vg0-root / ext4 defaults 0 1",
        "UUID=0b00b000-0000-4000-8000-000000000001 /boot ext4 defaults 0 2",
        "/dev/mapper/vg0-home--data /home xfs defaults 0 2",
        "UUID=3d000000-0000-4000-8000-000000000005 /srv ext4 noatime 0 2",
        "UUID=5a5a0000-0000-4000-8000-000000000002 none swap sw 0 0",
      ].join("\n"),
    });
    const { layout, warnings } = layoutFromFacts(parseFacts(output));
    expect(warnings).toEqual([]);
    expect(layout.disks.map((d) => d.dev)).toEqual(["/dev/sda", "/dev/sdb", "/dev/sdc"]);
    expect(layout.disks[0]?.partitions.map((p) => [p.num, p.pType, p.size, p.flags, p.id, p.lvmGroup ?? ""])).toEqual([
      [1, "primary", "537", ["boot"], "83", ""],
      [2, "extended", "*", [], "5", ""],
      [5, "logical", "1074", ["swap"], "82", ""],
      [6, "logical", "*", ["lvm"], "8e", "vg0"],
    ]);
    expect(layout.disks[1]?.partitions[0]).toMatchObject({ num: 1, size: "*", flags: ["raid"], raidDev: "/dev/md0" });
    expect(layout.raids).toEqual([{ name: "/dev/md0", level: "raid1", devices: ["/dev/sdb1", "/dev/sdc1"], spares: 0 }]);
    expect(layout.volumeGroups).toEqual([
      { name: "vg0", extentSize: "4096K", volumes: [{ name: "root", size: "8388608K", sizeBytes: 8 * GiB }, { name: "home-data", size: "4194304K", sizeBytes: 4 * GiB }] },
    ]);
    expect(layout.filesystems.map((f) => [f.mp, f.realDev, f.fs])).toEqual([
      ["/", "/dev/vg0/root", "ext4"],
      ["/boot", "/dev/sda1", "ext4"],
      ["/home", "/dev/vg0/home-data", "xfs"],
      ["/srv", "/dev/md0", "ext4"],
      ["swap", "/dev/sda5", "swap"],
    ]);
    expect(validateLayout(layout)).toEqual([]);
    expect(parseLayoutXml(renderLayoutXml(layout))).toEqual(layout);
  });

  it("LVM on RAID: the array is the volume group's physical volume", () => {
    const lv = dev("vg1-root", "lvm", 4 * GiB, { path: "/dev/mapper/vg1-root", fstype: "ext4", uuid: "0000aaaa-0000-4000-8000-000000000001", mountpoint: "/" });
    const md = (): unknown => dev("md0", "raid1", 10 * GiB - 2 * MiB, { fstype: "LVM2_member" }, [lv]);
    const output = collectorOutput({
      lsblk: [
        dev("vda", "disk", 10 * GiB, { pttype: "dos" }, [dev("vda1", "part", 10 * GiB - MiB, { fstype: "linux_raid_member" }, [md()])]),
        dev("vdb", "disk", 10 * GiB, { pttype: "dos" }, [dev("vdb1", "part", 10 * GiB - MiB, { fstype: "linux_raid_member" }, [md()])]),
      ],
      findmnt: [{ target: "/", source: "/dev/mapper/vg1-root", fstype: "ext4", options: "rw" }],
      sfdisk: {
        "/dev/vda": { label: "dos", device: "/dev/vda", unit: "sectors", sectorsize: 512, partitions: [{ node: "/dev/vda1", start: 2048, size: 20969472, type: "fd" }] },
        "/dev/vdb": { label: "dos", device: "/dev/vdb", unit: "sectors", sectorsize: 512, partitions: [{ node: "/dev/vdb1", start: 2048, size: 20969472, type: "fd" }] },
      },
      lvs: [{ lv_name: "root", vg_name: "vg1", lv_size: String(4 * GiB), lv_path: "/dev/vg1/root" }],
      vgs: [{ vg_name: "vg1", vg_extent_size: String(4 * MiB), vg_size: String(10 * GiB) }],
      fstab: "/dev/mapper/vg1-root / ext4 defaults 0 1",
    });
    const { layout, warnings } = layoutFromFacts(parseFacts(output));
    expect(warnings).toEqual([]);
    expect(layout.raids).toEqual([{ name: "/dev/md0", level: "raid1", devices: ["/dev/vda1", "/dev/vdb1"], spares: 0, lvmGroup: "vg1" }]);
    expect(layout.volumeGroups.map((g) => g.name)).toEqual(["vg1"]);
    expect(parseLayoutXml(renderLayoutXml(layout))).toEqual(layout);
  });

  it("refuses at capture a golden client value the layout reader would refuse", () => {
    const output = collectorOutput({
      lsblk: [dev("vda", "disk", GiB, { pttype: "gpt" }, [dev("vda1", "part", GiB - 2 * MiB, { fstype: "ext4", label: 'my "root"', mountpoint: "/" })])],
      findmnt: [{ target: "/", source: "/dev/vda1", fstype: "ext4", options: "rw" }],
      sfdisk: { "/dev/vda": { label: "gpt", device: "/dev/vda", unit: "sectors", sectorsize: 512, partitions: [{ node: "/dev/vda1", start: 2048, size: 2093056, type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4" }] } },
      fstab: "/dev/vda1 / ext4 defaults 0 1",
    });
    expect(() => layoutFromFacts(parseFacts(output))).toThrow(/^the golden client's layout: <fsinfo line="1">: label="my \\"root\\"" is not a label/);
  });

  it("a tree under --root that is no mount point asks for --layout", () => {
    const output = collectorOutput({ root: "/srv/chroot", lsblk: [dev("vda", "disk", GiB)], findmnt: [{ target: "/", source: "/dev/vda", fstype: "ext4", options: "rw" }], sfdisk: {}, fstab: "" });
    const result = layoutFromFacts(parseFacts(output));
    expect(result.rootIsMountPoint).toBe(false);
    expect(result.warnings).toEqual(["/srv/chroot is not a mount point: supply its layout with --layout FILE"]);
  });

  it("refuses output that is not the collector's", () => {
    expect(() => parseFacts("bash: lsblk: command not found")).toThrow(/not JSON/);
    expect(() => parseFacts(JSON.stringify({ collector: 1, lsblk: null }))).toThrow(/lsblk printed nothing/);
  });
});
