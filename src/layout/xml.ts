import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { SyscloneError } from "../errors/errors.js";
import { validateLayout } from "./validate.js";
import type { Disk, FileSystemEntry, LabelType, Layout, LogicalVolume, Partition, PartitionType, Raid, VolumeGroup } from "./model.js";

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

function required(node: XmlNode, name: string, where: string): string {
  const value = attr(node, name);
  if (value === undefined || value === "") throw bad(`${where} lacks the attribute ${name}`);
  return value;
}

function integer(text: string | undefined, where: string, fallback?: number): number {
  if (text === undefined || text === "") {
    if (fallback !== undefined) return fallback;
    throw bad(`${where} needs a number`);
  }
  if (!/^-?\d+$/.test(text)) throw bad(`${where}: "${text}" is not a whole number`);
  return Number(text);
}

function children(node: XmlNode, name: string): XmlNode[] {
  const value = node[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

function optionalNumber(node: XmlNode, name: string, where: string): number | undefined {
  const text = attr(node, name);
  return text === undefined ? undefined : integer(text, `${where} ${name}`);
}

function readPartition(node: XmlNode, disk: string): Partition {
  const where = `<part> of ${disk}`;
  const num = integer(required(node, "num", where), `${where} num`);
  const pType = (attr(node, "p_type") ?? "primary") as PartitionType;
  if (!["primary", "extended", "logical"].includes(pType)) throw bad(`${where} ${num}: p_type "${pType}" is not primary, extended or logical`);
  const flagsText = attr(node, "flags") ?? "-";
  const part: Partition = {
    num,
    size: required(node, "size", `${where} ${num}`),
    pType,
    pName: attr(node, "p_name") ?? "-",
    flags: flagsText === "-" || flagsText === "" ? [] : flagsText.split(",").map((f) => f.trim()),
  };
  const extra: Record<string, unknown> = {};
  const id = attr(node, "id");
  if (id !== undefined) extra["id"] = id;
  const lvmGroup = attr(node, "lvm_group");
  if (lvmGroup !== undefined) extra["lvmGroup"] = lvmGroup;
  const raidDev = attr(node, "raid_dev");
  if (raidDev !== undefined) extra["raidDev"] = raidDev;
  const startBytes = optionalNumber(node, "start_bytes", `${where} ${num}`);
  if (startBytes !== undefined) extra["startBytes"] = startBytes;
  const sizeBytes = optionalNumber(node, "size_bytes", `${where} ${num}`);
  if (sizeBytes !== undefined) extra["sizeBytes"] = sizeBytes;
  return { ...part, ...extra };
}

function readDisk(node: XmlNode): Disk {
  const dev = required(node, "dev", "<disk>");
  const label = attr(node, "label_type") ?? "msdos";
  if (!["gpt", "msdos", "none"].includes(label)) throw bad(`<disk dev="${dev}">: label_type "${label}" is not gpt, msdos or none`);
  const disk: Disk = {
    dev,
    labelType: label as LabelType,
    unit: attr(node, "unit_of_measurement") ?? "MB",
    partitions: children(node, "part").map((part) => readPartition(part, dev)),
  };
  const sizeBytes = optionalNumber(node, "size_bytes", `<disk dev="${dev}">`);
  return sizeBytes === undefined ? disk : { ...disk, sizeBytes };
}

function readRaids(config: XmlNode): Raid[] {
  return children(config, "raid").flatMap((raid) =>
    children(raid, "raid_disk").map((disk) => {
      const name = required(disk, "name", "<raid_disk>");
      const base: Raid = {
        name,
        level: required(disk, "raid_level", `<raid_disk name="${name}">`),
        devices: (attr(disk, "devices") ?? "").split(/\s+/).filter((d) => d !== ""),
        spares: integer(attr(disk, "spare_devices"), `<raid_disk name="${name}"> spare_devices`, 0),
      };
      const chunk = attr(disk, "chunk_size");
      return chunk ? { ...base, chunkSize: chunk } : base;
    }),
  );
}

function readVolumeGroups(config: XmlNode): VolumeGroup[] {
  return children(config, "lvm").flatMap((lvm) =>
    children(lvm, "lvm_group").map((group) => {
      const name = required(group, "name", "<lvm_group>");
      return {
        name,
        extentSize: attr(group, "phys_extent_size") ?? "4096K",
        volumes: children(group, "lv").map((lv): LogicalVolume => {
          const lvName = required(lv, "name", `<lv> in ${name}`);
          const base: LogicalVolume = { name: lvName, size: required(lv, "size", `<lv name="${lvName}">`) };
          const sizeBytes = optionalNumber(lv, "size_bytes", `<lv name="${lvName}">`);
          const options = attr(lv, "lv_options");
          return { ...base, ...(sizeBytes === undefined ? {} : { sizeBytes }), ...(options ? { options } : {}) };
        }),
      };
    }),
  );
}

function readFilesystem(node: XmlNode): FileSystemEntry {
  const line = integer(required(node, "line", "<fsinfo>"), "<fsinfo> line");
  const where = `<fsinfo line="${line}">`;
  const realDev = attr(node, "real_dev") ?? "";
  const entry: FileSystemEntry = {
    line,
    realDev,
    mountDev: attr(node, "mount_dev") ?? realDev,
    mp: required(node, "mp", where),
    fs: required(node, "fs", where),
    options: attr(node, "options") ?? "defaults",
    dump: integer(attr(node, "dump"), `${where} dump`, 0),
    pass: integer(attr(node, "pass"), `${where} pass`, 0),
    format: attr(node, "format") !== "no",
  };
  const extra: Record<string, string> = {};
  for (const [key, name] of [["mkfsOpts", "mkfs_opts"], ["label", "label"], ["uuid", "uuid"]] as const) {
    const value = attr(node, name);
    if (value !== undefined && value !== "") extra[key] = value;
  }
  return { ...entry, ...extra };
}

export function parseLayoutXml(text: string): Layout {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw bad(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseAttributeValue: false,
    isArray: (name) => arrayElements.has(name),
  });
  const document = parser.parse(text) as XmlNode;
  const config = document["config"] as XmlNode | undefined;
  if (!config || typeof config !== "object") throw bad("the root element must be <config>");
  const boel = children(config, "boel")[0];
  const layout: Layout = {
    disks: children(config, "disk").map(readDisk),
    raids: readRaids(config),
    volumeGroups: readVolumeGroups(config),
    filesystems: children(config, "fsinfo").map(readFilesystem),
    devstyle: (boel && attr(boel, "devstyle")) ?? "udev",
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
          ["name", raid.name], ["raid_level", raid.level], ["raid_devices", raid.devices.length], ["spare_devices", raid.spares],
          ["persistence", "yes"], ["chunk_size", raid.chunkSize], ["devices", raid.devices.join(" ")],
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
  config["fsinfo"] = layout.filesystems.map((fs) =>
    attributes([
      ["line", fs.line], ["real_dev", fs.realDev], ["mount_dev", fs.mountDev], ["mp", fs.mp], ["fs", fs.fs], ["options", fs.options],
      ["dump", fs.dump], ["pass", fs.pass], ["mkfs_opts", fs.mkfsOpts], ["format", fs.format ? undefined : "no"],
      ["label", fs.label], ["uuid", fs.uuid],
    ]),
  );
  config["boel"] = [attributes([["devstyle", layout.devstyle]])];
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy: "  ", suppressEmptyNode: true });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!-- sysclone disk layout (SystemImager autoinstallscript.conf dialect) -->\n${builder.build({ config })}`;
}
