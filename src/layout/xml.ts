import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { SyscloneError } from "../errors/errors.js";
import { checks, shown, type CheckName } from "./checks.js";
import { blockFilesystems, normaliseUnit } from "./model.js";
import { partitionDevice, validateLayout } from "./validate.js";
import type { Disk, FileSystemEntry, FstabComment, LabelType, Layout, LogicalVolume, Partition, PartitionType, Raid, VolumeGroup } from "./model.js";

type XmlNode = Record<string, unknown>;

const arrayElements = new Set(["disk", "part", "raid_disk", "lvm_group", "lv", "fsinfo", "raid", "lvm", "boel"]);

function bad(message: string): SyscloneError {
  return new SyscloneError("BAD_LAYOUT", `layout: ${message}`, { hint: "fix the layout file (SystemImager autoinstallscript.conf dialect) and run `sysclone layout check FILE`" });
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  if (value === undefined) return undefined;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
}

/** An attribute that must match its pattern (see checks.ts); undefined when absent or empty. */
function checked(node: XmlNode, name: string, check: CheckName, where: string): string | undefined {
  const value = attr(node, name);
  if (value === undefined || value === "") return undefined;
  const wanted = checks[check](value);
  if (wanted !== undefined) throw bad(`${where}: ${name}=${shown(value)} is not ${wanted}`);
  return value;
}

function required(node: XmlNode, name: string, where: string, check?: CheckName): string {
  const value = check ? checked(node, name, check, where) : attr(node, name);
  if (value === undefined || value === "") throw bad(`${where} lacks the attribute ${name}`);
  return value;
}

function integer(text: string | undefined, where: string, fallback?: number): number {
  if (text === undefined || text === "") {
    if (fallback !== undefined) return fallback;
    throw bad(`${where} needs a number`);
  }
  if (!/^-?\d{1,15}$/.test(text)) throw bad(`${where}: ${shown(text)} is not a whole number`);
  return Number(text);
}

function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === "object" && v !== null ? (v as XmlNode) : {}));
}

function optionalNumber(node: XmlNode, name: string, where: string): number | undefined {
  const text = attr(node, name);
  return text === undefined ? undefined : integer(text, `${where} ${name}`);
}

function readPartition(node: XmlNode, disk: string): Partition {
  const where = `<part> of ${disk}`;
  const num = integer(required(node, "num", where), `${where} num`);
  const at = `${where} ${num}`;
  const pType = (attr(node, "p_type") ?? "primary") as PartitionType;
  if (!["primary", "extended", "logical"].includes(pType)) throw bad(`${at}: p_type ${shown(pType)} is not primary, extended or logical`);
  const flagsText = attr(node, "flags") ?? "-";
  const flags = flagsText === "-" || flagsText === "" ? [] : flagsText.split(",").map((f) => f.trim());
  for (const flag of flags) if (checks.flag(flag) !== undefined) throw bad(`${at}: flags=${shown(flagsText)} is not a comma-separated list of parted flags`);
  const part: Partition = { num, size: required(node, "size", at), pType, pName: checked(node, "p_name", "partName", at) ?? "-", flags };
  const extra: Record<string, unknown> = {};
  const id = checked(node, "id", "partId", at);
  if (id !== undefined) extra["id"] = id;
  const lvmGroup = checked(node, "lvm_group", "lvmName", at);
  if (lvmGroup !== undefined) extra["lvmGroup"] = lvmGroup;
  const raidDev = checked(node, "raid_dev", "raidDevice", at);
  if (raidDev !== undefined) extra["raidDev"] = raidDev;
  const startBytes = optionalNumber(node, "start_bytes", at);
  if (startBytes !== undefined) extra["startBytes"] = startBytes;
  const sizeBytes = optionalNumber(node, "size_bytes", at);
  if (sizeBytes !== undefined) extra["sizeBytes"] = sizeBytes;
  return { ...part, ...extra };
}

function readDisk(node: XmlNode): Disk {
  const dev = required(node, "dev", "<disk>", "device");
  const where = `<disk dev="${dev}">`;
  const label = attr(node, "label_type") ?? "msdos";
  if (label === "convert") throw bad(`${where}: label_type "convert" (an MBR turned into GPT in place) is not supported; use gpt`);
  if (!["gpt", "msdos", "none"].includes(label)) throw bad(`${where}: label_type ${shown(label)} is not gpt, msdos or none`);
  const unitText = attr(node, "unit_of_measurement") ?? "MB";
  const unit = normaliseUnit(unitText);
  if (unit === undefined) throw bad(`${where}: unit_of_measurement ${shown(unitText)} is not one of TB, TiB, GB, GiB, MB, MiB, kB, KiB, B, s, %`);
  const disk: Disk = { dev, labelType: label as LabelType, unit, partitions: children(node, "part").map((part) => readPartition(part, dev)) };
  const sizeBytes = optionalNumber(node, "size_bytes", where);
  return sizeBytes === undefined ? disk : { ...disk, sizeBytes };
}

/**
 * Both forms SystemImager writes: <raid><raid_disk name=…/></raid> (4.x examples, 4.9) and a bare
 * <raid name=… devices=…/> under <config> (4.x si_prepareclient). Members are the devices= list and
 * every partition whose raid_dev names the array, in file order.
 */
function readRaids(config: XmlNode, disks: readonly Disk[]): Raid[] {
  const elements = children(config, "raid").flatMap((raid) => [...(attr(raid, "name") !== undefined ? [raid] : []), ...children(raid, "raid_disk")]);
  return elements.map((element) => {
    const name = required(element, "name", "<raid_disk>", "raidDevice");
    const where = `<raid_disk name="${name}">`;
    const level = required(element, "raid_level", where);
    const listed = (attr(element, "devices") ?? "").split(/\s+/).filter((d) => d !== "");
    for (const device of listed) if (checks.device(device) !== undefined) throw bad(`${where}: devices has ${shown(device)}, not a device path under /dev/`);
    const fromParts = disks.flatMap((disk) => disk.partitions.filter((p) => p.raidDev === name).map((p) => partitionDevice(disk.dev, p.num)));
    const devices = [...new Set([...fromParts, ...listed])];
    const active = optionalNumber(element, "raid_devices", where);
    const spareText = attr(element, "spare_devices");
    const spares = spareText !== undefined && spareText !== "" ? integer(spareText, `${where} spare_devices`) : active !== undefined ? Math.max(0, devices.length - active) : 0;
    if (active !== undefined && active + spares !== devices.length) {
      throw bad(`${where}: raid_devices="${active}" and ${spares} spare(s) do not add up to its ${devices.length} member(s) (${devices.join(" ") || "none"})`);
    }
    const chunk = checked(element, "chunk_size", "chunkSize", where);
    const lvmGroup = checked(element, "lvm_group", "lvmName", where);
    return { name, level, devices, spares, ...(chunk ? { chunkSize: chunk } : {}), ...(lvmGroup ? { lvmGroup } : {}) };
  });
}

function readVolumeGroups(config: XmlNode): VolumeGroup[] {
  return children(config, "lvm").flatMap((lvm) =>
    children(lvm, "lvm_group").map((group) => {
      const name = required(group, "name", "<lvm_group>", "lvmName");
      const where = `<lvm_group name="${name}">`;
      return {
        name,
        extentSize: checked(group, "phys_extent_size", "extentSize", where) ?? "4096K",
        volumes: children(group, "lv").map((lv): LogicalVolume => {
          const lvName = required(lv, "name", `<lv> in ${name}`, "lvmName");
          const at = `<lv name="${lvName}">`;
          const base: LogicalVolume = { name: lvName, size: required(lv, "size", at) };
          const sizeBytes = optionalNumber(lv, "size_bytes", at);
          const options = checked(lv, "lv_options", "optionWords", at);
          return { ...base, ...(sizeBytes === undefined ? {} : { sizeBytes }), ...(options ? { options } : {}) };
        }),
      };
    }),
  );
}

/** fat32 → vfat made with -F 32, as SystemImager 4.9 does; fat16 likewise; fat and msdos are vfat. */
function fatAsVfat(fs: string, mkfsOpts: string | undefined): { fs: string; mkfsOpts: string | undefined } {
  const bits = /^fat(12|16|32)$/.exec(fs)?.[1];
  if (bits) return { fs: "vfat", mkfsOpts: [`-F ${bits}`, mkfsOpts].filter((o) => o).join(" ") };
  return fs === "fat" || fs === "msdos" ? { fs: "vfat", mkfsOpts } : { fs, mkfsOpts };
}

function readFsinfo(node: XmlNode): FileSystemEntry | FstabComment {
  const line = integer(required(node, "line", "<fsinfo>"), "<fsinfo> line");
  const where = `<fsinfo line="${line}">`;
  const comment = attr(node, "comment") === "" ? "" : checked(node, "comment", "comment", where);
  if (comment !== undefined && attr(node, "mp") === undefined && attr(node, "fs") === undefined && attr(node, "real_dev") === undefined) return { line, text: comment };
  const realDev = checked(node, "real_dev", "fstabField", where) ?? "";
  if (realDev.startsWith("/dev/")) checked(node, "real_dev", "device", where);
  const fat = fatAsVfat(required(node, "fs", where, "fsType"), checked(node, "mkfs_opts", "optionWords", where));
  const entry: FileSystemEntry = {
    line,
    realDev,
    mountDev: checked(node, "mount_dev", "fstabField", where) ?? realDev,
    mp: required(node, "mp", where, "mountPoint"),
    fs: fat.fs,
    options: checked(node, "options", "mountOptions", where) ?? "defaults",
    dump: integer(attr(node, "dump"), `${where} dump`, 0),
    pass: integer(attr(node, "pass"), `${where} pass`, 0),
    // What the clone cannot make (subfs, nfs, proc…) keeps its fstab line and is never formatted.
    format: attr(node, "format") !== "no" && blockFilesystems.has(fat.fs),
  };
  const label = checked(node, "label", "label", where);
  const uuid = checked(node, "uuid", "uuid", where);
  return {
    ...entry,
    ...(fat.mkfsOpts ? { mkfsOpts: fat.mkfsOpts } : {}),
    ...(label ? { label } : {}),
    ...(uuid ? { uuid } : {}),
    ...(comment !== undefined && comment.trim() !== "" ? { comment } : {}),
  };
}

export function parseLayoutXml(text: string): Layout {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw bad(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseAttributeValue: false,
    parseTagValue: false,
    processEntities: true,
    htmlEntities: true,
    // Attribute values verbatim: SystemImager writes a blank fstab line as comment=" ".
    trimValues: false,
    isArray: (name) => arrayElements.has(name),
  });
  let document: XmlNode;
  try {
    document = parser.parse(text) as XmlNode;
  } catch (error) {
    // fast-xml-parser refuses element names such as __proto__ with a plain Error.
    throw bad(`XML it cannot read: ${shown(error instanceof Error ? error.message : String(error))}`);
  }
  const config = document["config"];
  if (!config || typeof config !== "object" || Array.isArray(config)) throw bad("the root element must be <config>");
  const root = config as XmlNode;
  const boel = children(root, "boel")[0];
  const devstyle = (boel && attr(boel, "devstyle")) || "udev";
  if (!/^[a-z]{1,16}$/.test(devstyle)) throw bad(`<boel>: devstyle ${shown(devstyle)} is not static, udev or devfs`);
  const disks = children(root, "disk").map(readDisk);
  const fsinfo = children(root, "fsinfo").map(readFsinfo);
  const comments = fsinfo.filter((f): f is FstabComment => !("mp" in f));
  const layout: Layout = {
    disks,
    raids: readRaids(root, disks),
    volumeGroups: readVolumeGroups(root),
    filesystems: fsinfo.filter((f): f is FileSystemEntry => "mp" in f),
    ...(comments.length > 0 ? { comments } : {}),
    devstyle,
  };
  const problems = validateLayout(layout);
  if (problems.length > 0) throw bad(problems.join("; "));
  return layout;
}

function attributes(pairs: readonly (readonly [string, string | number | undefined])[]): XmlNode {
  const out: XmlNode = {};
  for (const [key, value] of pairs) if (value !== undefined) out[`@_${key}`] = String(value);
  return out;
}

export function renderLayoutXml(layout: Layout): string {
  const config: XmlNode = {
    disk: layout.disks.map((disk) => ({
      ...attributes([["dev", disk.dev], ["label_type", disk.labelType], ["unit_of_measurement", disk.unit], ["size_bytes", disk.sizeBytes]]),
      part: disk.partitions.map((part) =>
        attributes([
          ["num", part.num], ["size", part.size], ["p_type", part.pType], ["p_name", part.pName],
          ["flags", part.flags.length > 0 ? part.flags.join(",") : "-"], ["id", part.id], ["lvm_group", part.lvmGroup],
          ["raid_dev", part.raidDev], ["start_bytes", part.startBytes], ["size_bytes", part.sizeBytes],
        ]),
      ),
    })),
  };
  if (layout.raids.length > 0) {
    config["raid"] = [{
      raid_disk: layout.raids.map((raid) =>
        attributes([
          ["name", raid.name], ["raid_level", raid.level], ["raid_devices", raid.devices.length - raid.spares], ["spare_devices", raid.spares],
          ["persistence", "yes"], ["chunk_size", raid.chunkSize], ["lvm_group", raid.lvmGroup], ["devices", raid.devices.join(" ")],
        ]),
      ),
    }];
  }
  if (layout.volumeGroups.length > 0) {
    config["lvm"] = [{
      "@_version": "2",
      lvm_group: layout.volumeGroups.map((group) => ({
        ...attributes([["name", group.name], ["max_log_vols", 0], ["max_phys_vols", 0], ["phys_extent_size", group.extentSize]]),
        lv: group.volumes.map((lv) => attributes([["name", lv.name], ["size", lv.size], ["lv_options", lv.options], ["size_bytes", lv.sizeBytes]])),
      })),
    }];
  }
  // Filesystems in the layout's own order (mount order for a capture), then the fstab's comment lines.
  config["fsinfo"] = [
    ...layout.filesystems.map((fs) =>
      attributes([
        ["line", fs.line], ["real_dev", fs.realDev || undefined], ["mount_dev", fs.mountDev || undefined], ["mp", fs.mp], ["fs", fs.fs], ["options", fs.options],
        ["dump", fs.dump], ["pass", fs.pass], ["mkfs_opts", fs.mkfsOpts], ["format", fs.format ? undefined : "no"],
        ["label", fs.label], ["uuid", fs.uuid], ["comment", fs.comment],
      ]),
    ),
    ...(layout.comments ?? []).map((c) => attributes([["line", c.line], ["comment", c.text]])),
  ];
  config["boel"] = [attributes([["devstyle", layout.devstyle]])];
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy: "  ", suppressEmptyNode: true });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- sysclone disk layout (SystemImager autoinstallscript.conf dialect) -->\n${builder.build({ config })}`;
}
