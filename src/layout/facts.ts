import { SyscloneError } from "../errors/errors.js";

/** What the collector (agent/collector.sh) reports, decoded and typed. */
export interface BlockDevice {
  readonly name: string;
  readonly path: string;
  readonly type: string;
  readonly size: number;
  readonly fstype: string;
  readonly uuid: string;
  readonly label: string;
  readonly partlabel: string;
  readonly parttype: string;
  readonly pttype: string;
  readonly mountpoint: string;
  readonly children: readonly BlockDevice[];
}

export interface MountEntry {
  readonly target: string;
  readonly source: string;
  readonly fstype: string;
  readonly options: string;
}

export interface SfdiskPartition {
  readonly node: string;
  readonly start: number;
  readonly size: number;
  readonly type: string;
  readonly uuid?: string;
  readonly name?: string;
  readonly bootable?: boolean;
  readonly attrs?: string;
}

export interface SfdiskTable {
  readonly label: string;
  readonly device: string;
  readonly sectorsize: number;
  readonly partitions: readonly SfdiskPartition[];
}

export interface LogicalVolumeFact {
  readonly lvName: string;
  readonly vgName: string;
  readonly sizeBytes: number;
  readonly path: string;
}

export interface VolumeGroupFact {
  readonly vgName: string;
  readonly extentBytes: number;
}

export interface CollectorFacts {
  readonly root: string;
  readonly runningKernel: string;
  readonly hostname: string;
  readonly rsyncPath: string;
  readonly kernels: readonly string[];
  readonly moduleDirs: readonly string[];
  readonly fstab: string;
  readonly blockDevices: readonly BlockDevice[];
  readonly mounts: readonly MountEntry[];
  readonly partitionTables: Readonly<Record<string, SfdiskTable>>;
  readonly logicalVolumes: readonly LogicalVolumeFact[];
  readonly volumeGroups: readonly VolumeGroupFact[];
}

type Json = Record<string, unknown>;

function badFacts(message: string): SyscloneError {
  return new SyscloneError("BAD_FACTS", `collector output: ${message}`, { hint: "run agent/collector.sh by hand on the golden client to see what it prints" });
}

function decode(value: unknown): string {
  return typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : "";
}

function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  return typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

function number(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function blockDevice(raw: Json): BlockDevice {
  return {
    name: text(raw["name"]),
    path: text(raw["path"]) || `/dev/${text(raw["kname"]) || text(raw["name"])}`,
    type: text(raw["type"]),
    size: number(raw["size"]),
    fstype: text(raw["fstype"]),
    uuid: text(raw["uuid"]),
    label: text(raw["label"]),
    partlabel: text(raw["partlabel"]),
    parttype: text(raw["parttype"]).toLowerCase(),
    pttype: text(raw["pttype"]),
    mountpoint: text(raw["mountpoint"]),
    children: Array.isArray(raw["children"]) ? (raw["children"] as Json[]).map(blockDevice) : [],
  };
}

function report<T>(raw: unknown, key: string, map: (row: Json) => T): T[] {
  if (!raw || typeof raw !== "object") return [];
  const reports = (raw as Json)["report"];
  if (!Array.isArray(reports)) return [];
  return (reports as Json[]).flatMap((r) => (Array.isArray(r[key]) ? (r[key] as Json[]).map(map) : []));
}

/** `blkid -o export`: blank-line separated blocks of KEY=value lines, keyed by DEVNAME. */
export function parseBlkidExport(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    if (fields["DEVNAME"]) out.set(fields["DEVNAME"], fields);
  }
  return out;
}

function withProbed(device: BlockDevice, probed: Map<string, Record<string, string>>): BlockDevice {
  const found = probed.get(device.path);
  return {
    ...device,
    fstype: device.fstype || found?.["TYPE"] || "",
    uuid: device.uuid || found?.["UUID"] || "",
    label: device.label || found?.["LABEL"] || "",
    partlabel: device.partlabel || found?.["PARTLABEL"] || "",
    children: device.children.map((child) => withProbed(child, probed)),
  };
}

export function parseFacts(output: string): CollectorFacts {
  let raw: Json;
  try {
    raw = JSON.parse(output) as Json;
  } catch (error) {
    throw badFacts(`not JSON (${(error as Error).message}); first bytes: ${JSON.stringify(output.slice(0, 80))}`);
  }
  if (raw["collector"] !== 1) throw badFacts("unknown collector version");
  const lsblk = raw["lsblk"] as Json | null;
  if (!lsblk || !Array.isArray(lsblk["blockdevices"])) throw badFacts("lsblk printed nothing (is util-linux installed and /sys mounted?)");
  const findmnt = raw["findmnt"] as Json | null;
  const probed = parseBlkidExport(decode(raw["blkid_b64"]));
  const tables: Record<string, SfdiskTable> = {};
  for (const [disk, value] of Object.entries((raw["sfdisk"] as Json | undefined) ?? {})) {
    const table = (value as Json)["partitiontable"] as Json | undefined;
    if (!table) continue;
    tables[disk] = {
      label: text(table["label"]),
      device: text(table["device"]) || disk,
      sectorsize: number(table["sectorsize"]) || 512,
      partitions: ((table["partitions"] as Json[] | undefined) ?? []).map((p) => {
        const part: SfdiskPartition = { node: text(p["node"]), start: number(p["start"]), size: number(p["size"]), type: text(p["type"]) };
        return {
          ...part,
          ...(p["uuid"] ? { uuid: text(p["uuid"]) } : {}),
          ...(p["name"] ? { name: text(p["name"]) } : {}),
          ...(p["bootable"] === true ? { bootable: true } : {}),
          ...(p["attrs"] ? { attrs: text(p["attrs"]) } : {}),
        };
      }),
    };
  }
  return {
    root: decode(raw["root_b64"]) || "/",
    runningKernel: decode(raw["running_kernel_b64"]).trim(),
    hostname: decode(raw["hostname_b64"]).trim(),
    rsyncPath: decode(raw["rsync_b64"]).trim(),
    kernels: lines(decode(raw["kernels_b64"])),
    moduleDirs: lines(decode(raw["modules_b64"])),
    fstab: decode(raw["fstab_b64"]),
    blockDevices: (lsblk["blockdevices"] as Json[]).map((raw) => withProbed(blockDevice(raw), probed)),
    mounts: Array.isArray(findmnt?.["filesystems"])
      ? (findmnt["filesystems"] as Json[]).map((m) => ({ target: text(m["target"]), source: text(m["source"]), fstype: text(m["fstype"]), options: text(m["options"]) }))
      : [],
    partitionTables: tables,
    logicalVolumes: report(raw["lvs"], "lv", (row) => ({ lvName: text(row["lv_name"]), vgName: text(row["vg_name"]), sizeBytes: number(row["lv_size"]), path: text(row["lv_path"]) })),
    volumeGroups: report(raw["vgs"], "vg", (row) => ({ vgName: text(row["vg_name"]), extentBytes: number(row["vg_extent_size"]) })),
  };
}
