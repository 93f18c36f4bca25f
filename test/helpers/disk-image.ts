import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";

/**
 * A whole-disk image as an image builder (KIWI, mkosi, Packer) leaves one: a GPT with an ESP
 * (vfat, filled with mtools), an ext4 root made with `mkfs.ext4 -d` from a tree, optionally an xfs
 * /srv and a swap partition, and an /etc/fstab naming them by UUID and LABEL. Partitions are
 * reached through loop devices at their offsets (the host kernel parses no partition tables).
 */
export interface DiskImageSpec {
  /** The root tree (its etc/fstab is written here). */
  readonly rootTree: string;
  /** Files for the ESP: relative path → content. */
  readonly espFiles: Readonly<Record<string, string | Buffer>>;
  /** A tree copied into an xfs /srv (xfs needs 300 MiB), or none. */
  readonly srvTree?: string;
  readonly swap?: boolean;
  /** Make partition 2 an LVM physical volume instead of the root (a refusal test). */
  readonly lvmInsteadOfSrv?: boolean;
  readonly rootMiB?: number;
  /** As mkosi builds them: no /etc/fstab, the root partition of the Discoverable Partitions root type. */
  readonly discoverable?: boolean;
}

export const IMAGE_UUIDS = { root: "5a1e0000-0000-4000-8000-000000000001", esp: "5A1E-0E5F", swap: "5a1e0000-0000-4000-8000-000000000005" } as const;

async function withLoop<T>(file: string, startSector: number, sectors: number, work: (device: string) => Promise<T>): Promise<T> {
  const device = (await must("losetup", ["-f", "--show", "-o", String(startSector * 512), "--sizelimit", String(sectors * 512), file])).stdoutTail.trim();
  try {
    return await work(device);
  } finally {
    await run("losetup", ["-d", device]);
  }
}

/** Builds the image at `file` (sparse); returns the fstab it wrote. */
export async function buildDiskImage(file: string, spec: DiskImageSpec): Promise<string> {
  const espSectors = 32 * 2048;
  const rootSectors = (spec.rootMiB ?? 160) * 2048;
  const thirdSectors = spec.lvmInsteadOfSrv ? 16 * 2048 : spec.srvTree ? 320 * 2048 : 0;
  const swapSectors = spec.swap ? 16 * 2048 : 0;
  const parts = [
    { start: 2048, size: espSectors, type: "uefi" },
    { start: 2048 + espSectors, size: rootSectors, type: spec.discoverable ? "4f68bce3-e8cd-4db1-96e7-fbcaf984b709" : "linux" },
    ...(thirdSectors > 0 ? [{ start: 2048 + espSectors + rootSectors, size: thirdSectors, type: spec.lvmInsteadOfSrv ? "lvm" : "linux" }] : []),
    ...(swapSectors > 0 ? [{ start: 2048 + espSectors + rootSectors + thirdSectors, size: swapSectors, type: "swap" }] : []),
  ];
  const total = (parts.reduce((end, p) => Math.max(end, p.start + p.size), 0) + 2048) * 512;
  await writeFile(file, "");
  await truncate(file, total);
  await must("sfdisk", ["-q", file], { input: `label: gpt\n${parts.map((p) => `start=${p.start}, size=${p.size}, type=${p.type}`).join("\n")}\n` });
  const fstab = [
    "# written by the image builder",
    `UUID=${IMAGE_UUIDS.root} / ext4 defaults 0 1`,
    `UUID=${IMAGE_UUIDS.esp} /boot/efi vfat umask=0077 0 1`,
    ...(spec.srvTree && !spec.lvmInsteadOfSrv ? ["LABEL=srvdata /srv xfs defaults 0 2"] : []),
    ...(spec.swap ? [`UUID=${IMAGE_UUIDS.swap} none swap sw 0 0`] : []),
    "proc /proc proc defaults 0 0",
    "",
  ].join("\n");
  await mkdir(path.join(spec.rootTree, "etc"), { recursive: true });
  if (!spec.discoverable) await mkdir(path.join(spec.rootTree, "boot", "efi"), { recursive: true });
  if (spec.discoverable) await rm(path.join(spec.rootTree, "etc", "fstab"), { force: true });
  else await writeFile(path.join(spec.rootTree, "etc", "fstab"), fstab);
  const [esp, root, third, swap] = parts;
  if (!esp || !root) throw new Error("no partitions");
  await withLoop(file, esp.start, esp.size, async (device) => {
    await must("mkfs.vfat", ["-i", IMAGE_UUIDS.esp.replace("-", ""), "-n", "ESP", device]);
  });
  const staging = await mkdtemp(path.join(tmpdir(), "sysclone-esp-"));
  try {
    const env = { ...process.env, MTOOLS_SKIP_CHECK: "1" } as Record<string, string>;
    const image = `${file}@@${esp.start * 512}`;
    for (const [relative, content] of Object.entries(spec.espFiles)) {
      const parts = relative.split("/");
      for (let i = 1; i < parts.length; i++) await run("mmd", ["-D", "s", "-i", image, `::/${parts.slice(0, i).join("/")}`], { env });
      const local = path.join(staging, relative.replace(/\//g, "_"));
      await writeFile(local, content);
      await must("mcopy", ["-o", "-i", image, local, `::/${relative}`], { env });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await withLoop(file, root.start, root.size, (device) => must("mkfs.ext4", ["-q", "-F", "-U", IMAGE_UUIDS.root, "-L", "root", "-d", spec.rootTree, device]));
  if (third && spec.lvmInsteadOfSrv) {
    await withLoop(file, third.start, third.size, (device) => must("pvcreate", ["-ff", "-y", "--devices", device, device]));
  } else if (third && spec.srvTree) {
    const srvTree = spec.srvTree;
    await withLoop(file, third.start, third.size, async (device) => {
      await must("mkfs.xfs", ["-q", "-f", "-L", "srvdata", device]);
      const mnt = await mkdtemp(path.join(tmpdir(), "sysclone-xfs-"));
      try {
        await must("mount", ["-t", "xfs", device, mnt]);
        try {
          await must("rsync", ["-aHAX", `${srvTree}/`, `${mnt}/`]);
        } finally {
          await must("umount", [mnt]);
        }
      } finally {
        await rm(mnt, { recursive: true, force: true });
      }
    });
  }
  if (swap) await withLoop(file, swap.start, swap.size, (device) => must("mkswap", ["-U", IMAGE_UUIDS.swap, device]));
  return fstab;
}
