import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { parseFacts } from "../../../src/layout/facts.js";
import { layoutFromFacts } from "../../../src/layout/from-facts.js";
import type { Layout } from "../../../src/layout/model.js";
import { parseLayoutXml } from "../../../src/layout/xml.js";
import type { Inventory } from "../../../src/plan/model.js";
import { planClone, type PlanInput } from "../../../src/plan/planner.js";
import { renderPlan } from "../../../src/plan/render.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const fixtures = path.join(import.meta.dirname, "..", "..", "fixtures");

function recorded(name: string): Layout {
  return layoutFromFacts(parseFacts(readFileSync(path.join(fixtures, "facts", `${name}.json`), "utf8"))).layout;
}

function counterUuids(): () => string {
  let n = 0;
  return () => {
    n++;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
  };
}

function inventory(sizes: readonly number[], extra: Partial<Inventory> = {}): Inventory {
  return {
    disks: sizes.map((sizeBytes, i) => ({ name: `vd${String.fromCharCode(97 + i)}`, sizeBytes })),
    nics: [{ name: "eth0", mac: "52:54:00:12:34:56" }],
    firmware: "uefi",
    ...extra,
  };
}

function input(layout: Layout, inv: Inventory, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    layout,
    inventory: inv,
    node: { name: "n01", hostname: "n01.cluster", ip: "10.0.0.11", netmask: "255.255.255.0", gateway: "10.0.0.1", allowSmaller: false, finalAction: "reboot" },
    image: { name: "rocky9", version: 3, usedBytes: 300 * MiB, allowSmaller: false, transport: "rsync", verify: true },
    overrides: [
      { scope: "image", name: "rocky9" },
      { scope: "group", name: "compute" },
      { scope: "node", name: "n01" },
    ],
    postscripts: ["efibootloader", "update_network"],
    serverUrl: "http://10.0.0.1:8080",
    rsyncPort: 8873,
    newUuid: counterUuids(),
    ...overrides,
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

describe("planClone: partitions on the target disk", () => {
  it("places the golden GPT exactly on a disk of the same size", () => {
    const plan = planClone(input(recorded("gpt"), inventory([GiB])));
    const parts = plan.disks[0]?.partitions.map((p) => [p.dev, p.startBytes / MiB, p.sizeBytes / MiB, p.type, p.name]);
    expect(parts).toEqual([
      ["/dev/vda1", 1, 64, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI System"],
      ["/dev/vda2", 65, 400, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "root"],
      ["/dev/vda3", 465, 558, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "var"],
    ]);
  });

  it("gives the growing partition all the extra space of a larger disk, and only it", () => {
    const plan = planClone(input(recorded("gpt"), inventory([4 * GiB])));
    const sizes = plan.disks[0]?.partitions.map((p) => p.sizeBytes / MiB);
    expect(sizes).toEqual([64, 400, 4 * 1024 - 465 - 1]);
    const last = plan.disks[0]?.partitions[2];
    expect(last && last.startBytes + last.sizeBytes).toBeLessThanOrEqual(4 * GiB - MiB);
  });

  it("keeps MBR extended and logical partitions inside each other with room for each EBR", () => {
    const plan = planClone(input(recorded("mbr"), inventory([2 * GiB])));
    const parts = plan.disks[0]?.partitions ?? [];
    const extended = parts.find((p) => p.pType === "extended");
    expect(extended).toBeDefined();
    for (const logical of parts.filter((p) => p.pType === "logical")) {
      expect(logical.startBytes).toBeGreaterThan(extended?.startBytes ?? Infinity);
      expect(logical.startBytes + logical.sizeBytes).toBeLessThanOrEqual((extended?.startBytes ?? 0) + (extended?.sizeBytes ?? 0));
    }
    for (const p of parts) expect(p.startBytes % MiB).toBe(0);
    expect(parts.at(-1)?.grows).toBe(true);
  });

  it("maps golden disks to target disks in name order, skipping removable, read-only and loop devices", () => {
    const inv: Inventory = {
      disks: [
        { name: "vdb", sizeBytes: GiB },
        { name: "loop0", sizeBytes: GiB },
        { name: "sr0", sizeBytes: GiB, removable: true },
        { name: "vda", sizeBytes: GiB },
        { name: "vdc", sizeBytes: GiB, readOnly: true },
      ],
      nics: [],
      firmware: "bios",
    };
    const plan = planClone(input(recorded("raid"), inv));
    expect(plan.disks.map((d) => [d.goldenDev, d.dev])).toEqual([
      ["/dev/vdd", "/dev/vda"],
      ["/dev/vde", "/dev/vdb"],
    ]);
    expect(plan.raids.map((r) => [r.level, r.members])).toEqual([["raid1", ["/dev/vda1", "/dev/vdb1"]]]);
  });

  it("translates device names to nvme partition naming", () => {
    const plan = planClone(input(recorded("gpt"), { ...inventory([]), disks: [{ name: "nvme0n1", sizeBytes: GiB }] }));
    expect(plan.disks[0]?.partitions.map((p) => p.dev)).toEqual(["/dev/nvme0n1p1", "/dev/nvme0n1p2", "/dev/nvme0n1p3"]);
    expect(plan.mounts.map((m) => [m.mp, m.dev])).toEqual([
      ["/", "/dev/nvme0n1p2"],
      ["/var", "/dev/nvme0n1p3"],
      ["/boot/efi", "/dev/nvme0n1p1"],
    ]);
  });

  it("sizes percentage partitions against the target disk", () => {
    const layout = parseLayoutXml(`<config><disk dev="/dev/sda" label_type="gpt" unit_of_measurement="%">
      <part num="1" size="10" p_type="primary" p_name="boot" flags="esp"/><part num="2" size="*" p_type="primary" p_name="root" flags="-"/></disk>
      <fsinfo line="1" real_dev="/dev/sda2" mount_dev="/dev/sda2" mp="/" fs="ext4" options="defaults" dump="0" pass="1"/></config>`);
    const plan = planClone(input(layout, inventory([10 * GiB])));
    expect(plan.disks[0]?.partitions.map((p) => p.sizeBytes)).toEqual([1024 * MiB, 10 * GiB - 1024 * MiB - 2 * MiB]);
  });

  it("creates LVM with fixed volumes first and the growing volume last", () => {
    const plan = planClone(input(recorded("lvm"), inventory([2 * GiB])));
    expect(plan.volumeGroups).toHaveLength(1);
    const volumes = plan.volumeGroups[0]?.volumes ?? [];
    expect(volumes.at(-1)?.extents ?? volumes.at(-1)?.sizeBytes).toBeDefined();
    expect(volumes.filter((v) => v.extents === "100%FREE").length).toBeLessThanOrEqual(1);
    expect(plan.volumeGroups[0]?.physicalVolumes.every((pv) => pv.startsWith("/dev/vda"))).toBe(true);
  });
});

describe("planClone: refusals before a byte is written", () => {
  it("refuses a disk smaller than the golden one, naming both sizes", () => {
    const { code, message } = refusal(() => planClone(input(recorded("gpt"), inventory([GiB - MiB]))));
    expect(code).toBe("DISK_TOO_SMALL");
    expect(message).toContain("/dev/vda is 1023.0 MiB (1072693248 bytes)");
    expect(message).toContain("golden disk /dev/vda was 1.0 GiB (1073741824 bytes)");
  });

  it("accepts a smaller disk with allowsmaller when fixed partitions and the image fit with a margin", () => {
    const plan = planClone(input(recorded("gpt"), inventory([900 * MiB]), { node: { ...input(recorded("gpt"), inventory([])).node, allowSmaller: true } }));
    expect(plan.disks[0]?.partitions.at(-1)?.sizeBytes).toBe((900 - 465 - 1) * MiB);
    expect(plan.warnings.join("\n")).toContain("accepted by allowsmaller");
  });

  it("refuses a smaller disk even with allowsmaller when the image would not fit", () => {
    const base = input(recorded("gpt"), inventory([600 * MiB]));
    const { code, message } = refusal(() => planClone({ ...base, image: { ...base.image, allowSmaller: true } }));
    expect(code).toBe("DISK_TOO_SMALL");
    expect(message).toContain("10% margin");
  });

  it("refuses when the node has fewer disks than the image", () => {
    expect(refusal(() => planClone(input(recorded("raid"), inventory([GiB])))).code).toBe("NOT_ENOUGH_DISKS");
  });
});

describe("planClone: fstab, environment, directory targets", () => {
  it("writes fstab with new UUIDs in the golden order and maps old UUIDs to new for the bootloader", () => {
    const plan = planClone(input(recorded("gpt"), inventory([GiB])));
    expect(plan.fstab?.split("\n").slice(1, 4)).toEqual([
      "UUID=00000000-0000-4000-8000-000000000001\t/\text4\tdefaults\t0\t1",
      "UUID=00000000-0000-4000-8000-000000000002\t/var\text4\tdefaults\t0\t2",
      "UUID=0000-0000\t/boot/efi\tvfat\tumask=0077\t0\t1",
    ]);
    expect(plan.environment["ROOT_UUID"]).toBe("00000000-0000-4000-8000-000000000001");
    expect(plan.environment["UUID_MAP"]).toMatch(/^[0-9a-f-]{36}=00000000-0000-4000-8000-000000000001 /);
    expect(plan.environment["ESP"]).toBe("/boot/efi");
    expect(plan.environment["BOOT_DISK"]).toBe("/dev/vda");
  });

  it("plans a directory target without touching any disk", () => {
    const plan = planClone(input(recorded("gpt"), inventory([], { targetDirectory: "/srv/nodes/n01" })));
    expect(plan.target).toBe("directory");
    expect(plan.disks).toEqual([]);
    expect(plan.fstab).toBeUndefined();
    const script = renderPlan(plan);
    expect(script).not.toMatch(/sfdisk|mkfs|wipefs|mount /);
    expect(script).toContain("rsync://n01@10.0.0.1:8873/img-rocky9-v3/ /srv/nodes/n01/");
  });
});

describe("renderPlan: snapshots of whole scripts", () => {
  const cases: [string, () => PlanInput][] = [
    ["gpt-esp", () => input(recorded("gpt"), inventory([GiB]))],
    ["gpt-grown", () => input(recorded("gpt"), inventory([4 * GiB]))],
    ["mbr-logical", () => input(recorded("mbr"), inventory([2 * GiB], { firmware: "bios" }))],
    ["lvm", () => input(recorded("lvm"), inventory([2 * GiB]))],
    ["raid1", () => input(recorded("raid"), inventory([GiB, GiB], { firmware: "bios" }))],
    ["archive", () => { const i = input(recorded("gpt"), inventory([GiB])); return { ...i, image: { ...i.image, transport: "archive" as const } }; }],
    ["directory", () => input(recorded("gpt"), inventory([], { targetDirectory: "/srv/nodes/n01" }), { postscripts: ["update_network"] })],
    // A wipe chain erases every disk, the one the layout leaves unused too, after the size check and before partitioning.
    ["wipe", () => { const i = input(recorded("gpt"), inventory([GiB, 4 * GiB])); return { ...i, node: { ...i.node, wipe: true } }; }],
    // verify=no is overridden: a multicast copy is always checked against the manifest.
    ["multicast", () => { const i = input(recorded("gpt"), inventory([GiB])); return { ...i, image: { ...i.image, transport: "multicast" as const, verify: false, multicastFallbackSeconds: 90 } }; }],
  ];
  it.each(cases)("%s", async (name, make) => {
    await expect(renderPlan(planClone(make()))).toMatchFileSnapshot(path.join(fixtures, "plans", `${name}.sh`));
  });
});
