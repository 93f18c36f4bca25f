import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError, SyscloneError } from "../../../../src/errors/errors.js";
import { importFacts, importMounts, importTable, parseProbe, partitionOf, readMethod, type ImportPartition } from "../../../../src/image/import/disk.js";
import { layoutFromFacts } from "../../../../src/layout/from-facts.js";

const ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
const LINUX = "0fc63daf-8483-4772-8e79-3d69d8477de4";
const ROOT_X86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";

const sfdisk = JSON.stringify({
  partitiontable: {
    label: "gpt", id: "X", device: "disk.raw", unit: "sectors", firstlba: 2048, lastlba: 1048542, sectorsize: 512,
    partitions: [
      { node: "disk.raw1", start: 2048, size: 65536, type: ESP.toUpperCase(), uuid: "AAAA0000-0000-4000-8000-000000000001", name: "EFI System" },
      { node: "disk.raw2", start: 67584, size: 327680, type: LINUX.toUpperCase(), uuid: "AAAA0000-0000-4000-8000-000000000002", name: "root" },
      { node: "disk.raw3", start: 395264, size: 651264, type: LINUX.toUpperCase(), uuid: "AAAA0000-0000-4000-8000-000000000003" },
    ],
  },
});

function partitions(types: Record<number, string> = {}): ImportPartition[] {
  const table = importTable(sfdisk);
  const probes: Record<number, { type: string; uuid: string; label: string }> = {
    1: { type: types[1] ?? "vfat", uuid: "5A1E-0E5F", label: "ESP" },
    2: { type: types[2] ?? "ext4", uuid: "5a1e0000-0000-4000-8000-000000000001", label: "root" },
    3: { type: types[3] ?? "xfs", uuid: "5a1e0000-0000-4000-8000-000000000003", label: "srvdata" },
  };
  return table.partitions.map((p, i) => ({ ...p, num: i + 1, probe: probes[i + 1] ?? { type: "", uuid: "", label: "" } }));
}

function refusal(work: () => unknown): SyscloneError {
  try {
    work();
  } catch (error) {
    if (isSyscloneError(error)) return error;
    throw error;
  }
  throw new Error("no refusal");
}

describe("importTable", () => {
  it("names the partitions /dev/sdaN, lower-cases types and GUIDs", () => {
    const table = importTable(sfdisk);
    expect(table).toMatchObject({ label: "gpt", device: "/dev/sda", sectorsize: 512 });
    expect(table.partitions.map((p) => [p.node, p.start, p.size, p.type, p.uuid, p.name])).toEqual([
      ["/dev/sda1", 2048, 65536, ESP, "aaaa0000-0000-4000-8000-000000000001", "EFI System"],
      ["/dev/sda2", 67584, 327680, LINUX, "aaaa0000-0000-4000-8000-000000000002", "root"],
      ["/dev/sda3", 395264, 651264, LINUX, "aaaa0000-0000-4000-8000-000000000003", undefined],
    ]);
  });

  it.each([
    ["not json", "no partition table"],
    [JSON.stringify({}), "no partition table"],
    [JSON.stringify({ partitiontable: { label: "sun", partitions: [] } }), "is \"sun\""],
    [JSON.stringify({ partitiontable: { label: "dos", partitions: [{ node: "x", start: 1, size: 1 }] } }), "could not describe"],
    [JSON.stringify({ partitiontable: { label: "dos", partitions: [{ node: "d1", start: -1, size: 1 }] } }), "could not describe"],
  ])("refuses %s", (text, message) => {
    const error = refusal(() => importTable(text));
    expect(error.code).toBe("BAD_DISK_IMAGE");
    expect(error.message).toContain(message);
  });

  it("any text: a table or BAD_DISK_IMAGE", () => {
    const json = fc.oneof(fc.string(), fc.json(), fc.record({ partitiontable: fc.record({ label: fc.constantFrom("gpt", "dos", "x"), partitions: fc.array(fc.dictionary(fc.constantFrom("node", "start", "size", "type", "uuid", "name"), fc.jsonValue())) }) }).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(json, (text) => {
        try {
          importTable(text);
        } catch (error) {
          if (!isSyscloneError(error, "BAD_DISK_IMAGE")) throw error;
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("readMethod", () => {
  it.each([
    ["ext4", "mount"], ["ext3", "mount"], ["ext2", "mount"], ["xfs", "mount"], ["btrfs", "mount"], ["vfat", "mtools"], ["swap", "swap"], ["", "empty"],
  ])("%s → %s", (type, method) => {
    expect(readMethod({ num: 1, probe: { type, uuid: "", label: "" } })).toBe(method);
  });

  it.each([
    ["LVM2_member", "partition 2 of the image is an LVM physical volume"],
    ["crypto_LUKS", "partition 2 of the image is encrypted (LUKS)"],
    ["linux_raid_member", "partition 2 of the image is an md RAID member"],
    ["zfs_member", "partition 2 of the image holds \"zfs_member\", a filesystem imgimport cannot read"],
  ])("refuses %s", (type, message) => {
    const error = refusal(() => readMethod({ num: 2, probe: { type, uuid: "", label: "" } }));
    expect(error.code).toBe("BAD_DISK_IMAGE");
    expect(error.message.startsWith(message), error.message).toBe(true);
    expect(error.hint).toBeTruthy();
  });
});

describe("partitionOf: fstab sources to partitions", () => {
  const parts = partitions();
  it.each([
    ["UUID=5a1e0000-0000-4000-8000-000000000001", 2],
    ["UUID=5A1E0000-0000-4000-8000-000000000001", 2],
    ['UUID="5a1e0000-0000-4000-8000-000000000003"', 3],
    ["UUID=5A1E-0E5F", 1],
    ["LABEL=srvdata", 3],
    ["PARTUUID=AAAA0000-0000-4000-8000-000000000002", 2],
    ["PARTLABEL=EFI System", 1],
    ["/dev/disk/by-uuid/5a1e0000-0000-4000-8000-000000000001", 2],
    ["/dev/disk/by-label/ESP", 1],
    ["/dev/disk/by-partuuid/aaaa0000-0000-4000-8000-000000000003", 3],
    ["/dev/vda2", 2],
    ["/dev/sda3", 3],
    ["/dev/nvme0n1p1", 1],
    ["LABEL=nothere", undefined],
    ["UUID=", undefined],
    ["/dev/sda9", undefined],
    ["tmpfs", undefined],
  ])("%s → partition %s", (spec, num) => {
    expect(partitionOf(spec, parts)?.num).toBe(num);
  });
});

describe("importMounts and the layout from the table and fstab", () => {
  const fstab = "# builder\nUUID=5a1e0000-0000-4000-8000-000000000001 / ext4 defaults 0 1\nLABEL=ESP /boot/efi vfat umask=0077 0 1\nPARTUUID=aaaa0000-0000-4000-8000-000000000003 /srv xfs noatime 0 2\nproc /proc proc defaults 0 0\nUUID=11111111-2222-4333-8444-555555555555 /data ext4 defaults 0 2\n";

  it("maps every fstab entry to its partition, the root first, and warns about what is not in the image", () => {
    const { mounts, warnings } = importMounts(partitions(), fstab, "/boot/efi");
    expect(mounts.map((m) => [m.mp, m.partition.num, m.method])).toEqual([["/", 2, "mount"], ["/srv", 3, "mount"], ["/boot/efi", 1, "mtools"]]);
    expect(warnings).toEqual(["fstab line 6: UUID=11111111-2222-4333-8444-555555555555 (/data) is no partition of the image; left out"]);
  });

  it("the layout: GPT with the ESP flagged, the last partition grown, fsinfo from fstab with its options", () => {
    const parts = partitions();
    const { mounts } = importMounts(parts, fstab, "/boot/efi");
    const facts = importFacts({ diskBytes: 1048576 * 512, table: importTable(sfdisk), partitions: parts, mounts, fstab, kernels: ["vmlinuz-6.1.0-57-amd64"] });
    const { layout } = layoutFromFacts(facts);
    expect(layout.disks.map((d) => [d.dev, d.labelType, d.sizeBytes])).toEqual([["/dev/sda", "gpt", 1048576 * 512]]);
    expect(layout.disks[0]?.partitions.map((p) => [p.num, p.size, p.flags, p.pName])).toEqual([[1, "34", ["esp"], "EFI System"], [2, "168", [], "root"], [3, "*", [], "-"]]);
    expect(layout.filesystems.map((f) => [f.mp, f.fs, f.realDev, f.options, f.label ?? ""])).toEqual([
      ["/", "ext4", "/dev/sda2", "defaults", "root"],
      ["/srv", "xfs", "/dev/sda3", "noatime", "srvdata"],
      ["/proc", "proc", "proc", "defaults", ""],
      ["/boot/efi", "vfat", "/dev/sda1", "umask=0077", "ESP"],
    ]);
  });

  it("without an fstab (mkosi): the discoverable root type, the ESP where the root has a directory for it", () => {
    const parts = partitions().map((p) => (p.num === 2 ? { ...p, type: ROOT_X86_64 } : p));
    const { mounts, warnings } = importMounts(parts, undefined, "/efi");
    expect(mounts.map((m) => [m.mp, m.partition.num])).toEqual([["/", 2], ["/efi", 1]]);
    expect(warnings).toEqual(["partition 3 (xfs) is mounted nowhere in the image; its content is not imported"]);
  });

  it("without an fstab, a single Linux filesystem is the root", () => {
    const parts = partitions({ 3: "" });
    expect(importMounts(parts, undefined, "/boot/efi").mounts.map((m) => [m.mp, m.partition.num])).toEqual([["/", 2], ["/boot/efi", 1]]);
  });

  it.each([
    [undefined, "no root filesystem found"],
    ["LABEL=srvdata /srv xfs defaults 0 2\n", "mounts no partition of the image at /"],
  ])("refuses an image whose root it cannot find (fstab %j)", (text, message) => {
    const error = refusal(() => importMounts(partitions(), text, "/boot/efi"));
    expect(error.code).toBe("BAD_DISK_IMAGE");
    expect(error.message).toContain(message);
  });

  it("refuses an LVM physical volume among the partitions before anything else", () => {
    expect(refusal(() => importMounts(partitions({ 3: "LVM2_member" }), fstab, "/boot/efi")).message).toContain("partition 3 of the image is an LVM physical volume");
  });
});

describe("parseProbe", () => {
  it("reads blkid's export format", () => {
    expect(parseProbe("DEVNAME=/dev/loop2\nLABEL=my\\ disk\nUUID=69BC-10BD\nTYPE=vfat\nUSAGE=filesystem\n")).toEqual({ type: "vfat", uuid: "69BC-10BD", label: "my disk" });
    expect(parseProbe("")).toEqual({ type: "", uuid: "", label: "" });
  });
});
