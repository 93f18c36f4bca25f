import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import type { Layout } from "../../../src/layout/model.js";
import { parseLayoutXml } from "../../../src/layout/xml.js";
import type { Inventory } from "../../../src/plan/model.js";
import { planClone, type PlanInput } from "../../../src/plan/planner.js";
import { renderPlan } from "../../../src/plan/render.js";

/**
 * Clone plans from SystemImager's own layouts (test/fixtures/layout/si-*: its doc/examples and a file
 * in si_prepareclient's form). What SystemImager makes of them (disksmgt-lib.sh, 4.9): sizes by
 * convert2sectors (MB = 10^6 bytes, MiB = 2^20), arrays by _do_raids from raid_dev= partitions and
 * devices=, LVM physical volumes on the md device named by <raid_disk lvm_group>, fat32 made with
 * mkfs -t msdos -F 32, filesystems it cannot make left unformatted.
 */
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const fixtures = path.join(import.meta.dirname, "..", "..", "fixtures");
const layoutOf = (name: string): Layout => parseLayoutXml(readFileSync(path.join(fixtures, "layout", name), "utf8"));

function inventory(count: number, sizeBytes: number): Inventory {
  return {
    disks: Array.from({ length: count }, (_, i) => ({ name: `vd${String.fromCharCode(97 + i)}`, sizeBytes })),
    nics: [{ name: "eth0", mac: "52:54:00:12:34:56" }],
    firmware: "bios",
  };
}

function input(layout: Layout, inv: Inventory): PlanInput {
  let uuid = 0;
  return {
    layout,
    inventory: inv,
    node: { name: "n01", allowSmaller: false, finalAction: "reboot" },
    image: { name: "sles", version: 1, usedBytes: 2 * GiB, allowSmaller: false, transport: "rsync", verify: false },
    overrides: [],
    postscripts: [],
    serverUrl: "http://10.0.0.1:8080",
    rsyncPort: 8873,
    newUuid: () => `00000000-0000-4000-8000-${(++uuid).toString(16).padStart(12, "0")}`,
  };
}

const sizes = (plan: ReturnType<typeof planClone>, disk = 0): [string, number][] => (plan.disks[disk]?.partitions ?? []).map((p) => [p.dev, p.sizeBytes / MiB]);

describe("planClone on SystemImager's example layouts", () => {
  it("simple (MB): 500 MB and 512 MB rounded up to whole MiB, the logical root grows inside the extended partition", () => {
    const plan = planClone(input(layoutOf("si-disk-layout-simple.xml"), inventory(1, 20 * GiB)));
    const [p1, p2, p5, p6] = plan.disks[0]?.partitions ?? [];
    expect([p1?.sizeBytes, p5?.sizeBytes]).toEqual([477 * MiB, 489 * MiB]);
    expect(Math.ceil(500e6 / MiB) * MiB).toBe(477 * MiB);
    expect(p6?.grows).toBe(true);
    expect((p6?.startBytes ?? 0) + (p6?.sizeBytes ?? 0)).toBe((p2?.startBytes ?? 0) + (p2?.sizeBytes ?? 0));
    expect((p2?.startBytes ?? 0) + (p2?.sizeBytes ?? 0)).toBe(20 * GiB);
    expect(plan.mounts.map((m) => [m.mp, m.dev])).toEqual([["/", "/dev/vda6"], ["/boot", "/dev/vda1"]]);
    expect(plan.swaps.map((s) => s.dev)).toEqual(["/dev/vda5"]);
  });

  it("complex (MiB): every fixed partition exactly its MiB, the middle logical takes the rest", () => {
    const plan = planClone(input(layoutOf("si-disk-layout-complex.xml"), inventory(1, 20 * GiB)));
    const byNumber = Object.fromEntries(sizes(plan));
    expect([byNumber["/dev/vda1"], byNumber["/dev/vda2"], byNumber["/dev/vda3"], byNumber["/dev/vda6"], byNumber["/dev/vda7"]]).toEqual([500, 1024, 4096, 2048, 4096]);
    expect(plan.disks[0]?.partitions.find((p) => p.num === 5)?.grows).toBe(true);
    expect(plan.mounts.map((m) => m.mp)).toEqual(["/", "/var", "/boot", "/home", "/backup"]);
  });

  it("EFI (GPT, MiB): the ESP typed as such and made FAT32, swap typed as swap", () => {
    const plan = planClone(input(layoutOf("si-disk-layout-EFI.xml"), inventory(1, 20 * GiB)));
    expect(plan.disks[0]?.partitions.map((p) => [p.sizeBytes / MiB, p.type])).toEqual([
      [512, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"],
      [2048, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"],
      [2048, "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"],
      [20 * 1024 - 1 - 512 - 2048 - 2048 - 1, "0FC63DAF-8483-4772-8E79-3D69D8477DE4"],
    ]);
    const script = renderPlan(plan);
    expect(script).toContain("mkfs.vfat -i 00000000 -F 32 /dev/vda1");
    expect(plan.fstab).toContain("\t/boot/efi\tvfat\tumask=0077,shortname=winnt\t0\t0");
  });

  it("lvm_over_raid: two RAID1 arrays from raid_dev=, LVM on /dev/md0, swap on /dev/md1, the floppy only in fstab", () => {
    const plan = planClone(input(layoutOf("si-disk-layout-lvm_over_raid.xml"), inventory(2, 20 * GiB)));
    expect(plan.raids.map((r) => [r.dev, r.level, r.members, r.spares])).toEqual([
      ["/dev/md0", "raid1", ["/dev/vda3", "/dev/vdb2"], 0],
      ["/dev/md1", "raid1", ["/dev/vda2", "/dev/vdb1"], 0],
    ]);
    expect(plan.volumeGroups.map((g) => [g.name, g.physicalVolumes, g.volumes.map((v) => (v.sizeBytes ?? 0) / GiB)])).toEqual([
      ["systemvg", ["/dev/md0"], [2, 2, 2, 5, 2]],
    ]);
    expect(plan.filesystems.map((f) => [f.dev, f.fs, f.mp])).toEqual([
      ["/dev/systemvg/rootlv", "reiserfs", "/"],
      ["/dev/vda1", "reiserfs", "/boot"],
      ["/dev/systemvg/optlv", "reiserfs", "/opt"],
      ["/dev/systemvg/tmplv", "ext2", "/tmp"],
      ["/dev/systemvg/usrlv", "reiserfs", "/usr"],
      ["/dev/systemvg/varlv", "reiserfs", "/var"],
    ]);
    expect(plan.swaps.map((s) => s.dev)).toEqual(["/dev/md1"]);
    const script = renderPlan(plan);
    expect(script).not.toContain("/dev/fd0 ");
    expect(script).toContain("mkfs.reiserfs -q -ff -u 00000000-0000-4000-8000-000000000001 /dev/systemvg/rootlv");
    // The arrays exist before LVM uses one of them.
    expect(script.indexOf("mdadm --create /dev/md0")).toBeLessThan(script.indexOf("pvcreate -ff -y /dev/md0"));
    expect(plan.fstab?.split("\n")).toContain("/dev/fd0\t/media/floppy\tsubfs\tnoauto,fs=floppyfss,procuid,nodev,nosuid,sync\t0\t0");
  });

  it("lvm_over_raid refuses disks whose array cannot hold the fixed logical volumes", () => {
    let caught: unknown;
    try {
      planClone(input(layoutOf("si-disk-layout-lvm_over_raid.xml"), inventory(2, 12 * GiB)));
    } catch (error) {
      caught = error;
    }
    expect(isSyscloneError(caught) && caught.code).toBe("DISK_TOO_SMALL");
    expect((caught as Error).message).toMatch(/^volume group systemvg holds 11\.\d GiB on the target but its fixed logical volumes need 13\.0 GiB$/);
  });

  it("si_prepareclient's form: a RAID1 with a spare as the volume group's only physical volume", () => {
    const plan = planClone(input(layoutOf("si-prepareclient-autoinstallscript.conf"), inventory(3, 20 * GiB)));
    expect(plan.raids.map((r) => [r.dev, r.members, r.spares])).toEqual([
      ["/dev/md1", ["/dev/vda2", "/dev/vdb2"], 0],
      ["/dev/md0", ["/dev/vda3", "/dev/vdb3", "/dev/vdc1"], 1],
    ]);
    expect(renderPlan(plan)).toContain("mdadm --create /dev/md0 --run --metadata=1.2 --level=raid1 --raid-devices=2 --spare-devices=1 /dev/vda3 /dev/vdb3 /dev/vdc1");
    expect(plan.volumeGroups.map((g) => [g.name, g.physicalVolumes])).toEqual([["vg_root", ["/dev/md0"]]]);
    expect(plan.mounts.map((m) => [m.mp, m.dev])).toEqual([["/", "/dev/mapper/vg_root-root"], ["/boot", "/dev/vda1"], ["/home", "/dev/mapper/vg_root-home"]]);
  });
});

describe("renderPlan: whole scripts from SystemImager's layouts", () => {
  it.each([
    ["si-simple", "si-disk-layout-simple.xml", 1],
    ["si-complex", "si-disk-layout-complex.xml", 1],
    ["si-efi", "si-disk-layout-EFI.xml", 1],
    ["si-lvm-over-raid", "si-disk-layout-lvm_over_raid.xml", 2],
    ["si-autoinstallscript-lvm-over-raid", "si-autoinstallscript.conf-lvm_over_raid", 2],
    ["si-prepareclient", "si-prepareclient-autoinstallscript.conf", 3],
  ] as const)("%s", async (name, file, disks) => {
    await expect(renderPlan(planClone(input(layoutOf(file), inventory(disks, 20 * GiB))))).toMatchFileSnapshot(path.join(fixtures, "plans", `${name}.sh`));
  });
});
