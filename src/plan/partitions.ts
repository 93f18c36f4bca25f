import { SyscloneError } from "../errors/errors.js";
import { formatBytes } from "../format/bytes.js";
import { unitBytes, type Disk, type Partition } from "../layout/model.js";
import { partitionDevice } from "../layout/validate.js";
import type { PlannedPartition } from "./model.js";

export const MiB = 1024 * 1024;
/** Room left at the end of a GPT disk for the backup header (rounded up to the alignment). */
const GPT_TAIL = MiB;

const gptTypes: Record<string, string> = {
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  bios_grub: "21686148-6449-6E6F-744E-656564454649",
  lvm: "E6D6D379-F507-44C2-A23C-238F2A3DF928",
  raid: "A19D880F-05FC-4D3B-A006-743F0F84911E",
  swap: "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
};
const GPT_LINUX = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";
const mbrTypes: Record<string, string> = { esp: "ef", lvm: "8e", raid: "fd", swap: "82" };

const alignUp = (bytes: number): number => Math.ceil(bytes / MiB) * MiB;
const alignDown = (bytes: number): number => Math.floor(bytes / MiB) * MiB;

export function partitionTypeCode(disk: Disk, part: Partition): string {
  if (part.pType === "extended") return "5";
  if (part.id) return disk.labelType === "gpt" ? part.id.toUpperCase() : part.id.toLowerCase().replace(/^0x/, "");
  for (const flag of part.flags) {
    const code = disk.labelType === "gpt" ? gptTypes[flag] : mbrTypes[flag];
    if (code) return code;
  }
  return disk.labelType === "gpt" ? GPT_LINUX : "83";
}

/** The size a partition asks for on a disk of `targetBytes`, before growth; 0 for "*". */
export function requestedBytes(disk: Disk, part: Partition, targetBytes: number): number {
  if (part.size === "*") return 0;
  if (disk.unit === "%") return alignDown((Number(part.size) / 100) * targetBytes);
  if (part.sizeBytes !== undefined) return part.sizeBytes;
  return alignUp(Number(part.size) * (unitBytes[disk.unit] ?? 1e6));
}

/** Bytes a disk needs when every growing partition is empty: fixed partitions, alignment gaps, GPT tail. */
export function minimumDiskBytes(disk: Disk, targetBytes: number): number {
  return place(disk, targetBytes, 0, "/dev/x").end + (disk.labelType === "gpt" ? GPT_TAIL : 0);
}

interface Placement {
  readonly partitions: PlannedPartition[];
  readonly end: number;
}

/** Lay partitions out in number order from 1 MiB, each start aligned to 1 MiB; "*" gets `growth` bytes. */
function place(disk: Disk, targetBytes: number, growth: number, targetDev: string): Placement {
  const sorted = [...disk.partitions].sort((a, b) => a.num - b.num);
  const outer = sorted.filter((p) => p.pType !== "logical");
  const logicals = sorted.filter((p) => p.pType === "logical");
  const planned: PlannedPartition[] = [];
  let cursor = MiB;
  const plan = (part: Partition, start: number, size: number): PlannedPartition => ({
    num: part.num,
    dev: partitionDevice(targetDev, part.num),
    goldenDev: partitionDevice(disk.dev, part.num),
    pType: part.pType,
    startBytes: start,
    sizeBytes: size,
    grows: part.size === "*",
    type: partitionTypeCode(disk, part),
    ...(disk.labelType === "gpt" && part.pName !== "-" && part.pName !== "" ? { name: part.pName } : {}),
    bootable: disk.labelType === "msdos" && part.flags.includes("boot"),
    legacyBootable: disk.labelType === "gpt" && part.flags.includes("legacy_boot"),
  });
  for (const part of outer) {
    const start = alignUp(cursor);
    if (part.pType === "extended") {
      let inner = start;
      const innerPlanned: PlannedPartition[] = [];
      for (const logical of logicals) {
        // Each logical partition is preceded by its EBR: leave one aligned step before it.
        const logicalStart = alignUp(inner + 512);
        const size = logical.size === "*" ? growth : requestedBytes(disk, logical, targetBytes);
        innerPlanned.push(plan(logical, logicalStart, size));
        inner = logicalStart + size;
      }
      const containerGrowth = part.size === "*" && !logicals.some((l) => l.size === "*") ? growth : 0;
      const size = Math.max(inner - start, requestedBytes(disk, part, targetBytes)) + containerGrowth;
      planned.push(plan(part, start, size), ...innerPlanned);
      cursor = start + size;
      continue;
    }
    const size = part.size === "*" ? growth : requestedBytes(disk, part, targetBytes);
    planned.push(plan(part, start, size));
    cursor = start + size;
  }
  return { partitions: planned, end: cursor };
}

/** Place a golden disk's partitions on a target disk; the growing partition takes what is left. */
export function placePartitions(disk: Disk, targetDev: string, targetBytes: number): PlannedPartition[] {
  const usableEnd = alignDown(targetBytes - (disk.labelType === "gpt" ? GPT_TAIL : 0));
  const bare = place(disk, targetBytes, 0, targetDev);
  const grows = disk.partitions.some((p) => p.size === "*");
  const leftover = alignDown(usableEnd - bare.end);
  if (leftover < 0 || (grows && leftover < MiB)) {
    throw new SyscloneError("DISK_TOO_SMALL", `the partitions of ${disk.dev} need ${formatBytes(bare.end + (grows ? MiB : 0))} but ${targetDev} has ${formatBytes(targetBytes)}`, {
      hint: "use a larger disk, or a layout with smaller fixed partitions",
    });
  }
  return grows ? place(disk, targetBytes, leftover, targetDev).partitions : bare.partitions;
}

/** sfdisk's script for a planned disk: partitions named by device so gaps in numbering survive. */
export function sfdiskScript(labelType: "gpt" | "msdos", partitions: readonly PlannedPartition[], sectorSize: number): string[] {
  const lines = [`label: ${labelType === "gpt" ? "gpt" : "dos"}`, "unit: sectors"];
  for (const part of partitions) {
    const fields = [`start=${part.startBytes / sectorSize}`, `size=${Math.floor(part.sizeBytes / sectorSize)}`, `type=${part.type}`];
    if (part.name !== undefined) fields.push(`name="${part.name.replace(/["\\\n]/g, "_")}"`);
    if (part.bootable) fields.push("bootable");
    if (part.legacyBootable) fields.push('attrs="LegacyBIOSBootable"');
    lines.push(`${part.dev} : ${fields.join(", ")}`);
  }
  return lines;
}
