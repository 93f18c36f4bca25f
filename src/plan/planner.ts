import { SyscloneError } from "../errors/errors.js";
import { formatBytes } from "../format/bytes.js";
import type { Layout } from "../layout/model.js";
import type {
  ClonePlan,
  Inventory,
  InventoryDisk,
  PlannedDisk,
  PlannedFilesystem,
  PlannedMount,
  PlannedTemplate,
  PlannedVolumeGroup,
  Transport,
} from "./model.js";
import { imageModule, overrideModule, postscriptsModule, rsyncUrl, type OverrideScope } from "./modules.js";
import { minimumDiskBytes, placePartitions } from "./partitions.js";
import { renderFstab } from "./fstab.js";
import { espMountPoint, nodeEnvironment, type NodeIdentity } from "./environment.js";
import { planVolumeGroups } from "./lvm.js";
import { checkImageFits } from "./capacity.js";
import { planRaids } from "./raid.js";
import { candidateDisks } from "./candidates.js";
import { checkHwreq, type HwreqRule } from "../inventory/hwreq.js";

export interface PlanNode extends NodeIdentity {
  readonly allowSmaller: boolean;
  /** nodeset NODE wipe,osimage=…: erase every disk of the machine (not only the layout's) before partitioning. */
  readonly wipe?: boolean;
  readonly finalAction: "reboot" | "poweroff" | "none";
}

export interface PlanImage {
  readonly name: string;
  readonly version: number;
  /** Bytes of the image's files: what must fit when a smaller disk is allowed. */
  readonly usedBytes: number;
  readonly allowSmaller: boolean;
  readonly transport: "rsync" | "archive" | "multicast";
  /** Multicast: how long a node that missed a session waits for the next before it uses rsync. */
  readonly multicastFallbackSeconds?: number;
  readonly verify: boolean;
}

export interface PlanInput {
  readonly layout: Layout;
  readonly inventory: Inventory;
  readonly node: PlanNode;
  readonly image: PlanImage;
  /** Override directories that exist, in the order they apply (image, groups by priority, node). */
  readonly overrides: readonly { readonly scope: OverrideScope; readonly name: string; readonly templates?: readonly PlannedTemplate[] }[];
  readonly postscripts: readonly string[];
  /** http://host:port of the install server; the rsync daemon is on `rsyncPort` of the same host. */
  readonly serverUrl: string;
  readonly rsyncPort: number;
  /** Source of new filesystem UUIDs (random in production, fixed in tests). */
  readonly newUuid: () => string;
  /** Hardware requirements that apply (the osimage's, each group's, the node's): every rule of every set must hold. */
  readonly hwreq?: readonly { readonly source: string; readonly rules: readonly HwreqRule[] }[];
  /** The machine as it booted, before pre-install scripts changed its storage: what hwreq is checked against (default: inventory). */
  readonly hardware?: Inventory;
}

/** When a smaller disk is allowed, the image must fit with this much to spare. */
export const SMALLER_DISK_MARGIN = 1.1;
export { candidateDisks };

function planDisks(input: PlanInput): { disks: PlannedDisk[]; deviceMap: Map<string, string>; warnings: string[] } {
  const { layout, image, node } = input;
  const targets = candidateDisks(input.inventory);
  if (targets.length < layout.disks.length) {
    throw new SyscloneError("NOT_ENOUGH_DISKS", `the image needs ${layout.disks.length} disk(s) (${layout.disks.map((d) => d.dev).join(", ")}) but ${node.name} has ${targets.length}${targets.length > 0 ? ` (${targets.map((t) => t.name).join(", ")})` : ""}`, {
      hint: "give the node the disks the golden client had, or capture with a layout that fits",
    });
  }
  const allowSmaller = node.allowSmaller || image.allowSmaller;
  const deviceMap = new Map<string, string>();
  const warnings: string[] = [];
  const disks = layout.disks.map((disk, index): PlannedDisk => {
    const target = targets[index] as InventoryDisk;
    const dev = `/dev/${target.name}`;
    deviceMap.set(disk.dev, dev);
    const golden = disk.sizeBytes;
    if (golden !== undefined && target.sizeBytes < golden) {
      if (!allowSmaller) {
        throw new SyscloneError("DISK_TOO_SMALL", `disk too small: ${dev} is ${formatBytes(target.sizeBytes)} (${target.sizeBytes} bytes) but golden disk ${disk.dev} was ${formatBytes(golden)} (${golden} bytes)`, {
          hint: `use a disk of at least ${formatBytes(golden)}, or set allowsmaller=yes on the node or osimage to accept one the image fits on`,
        });
      }
      const fixed = minimumDiskBytes(disk, target.sizeBytes);
      const needed = fixed + image.usedBytes * SMALLER_DISK_MARGIN;
      if (needed > target.sizeBytes) {
        throw new SyscloneError("DISK_TOO_SMALL", `disk too small even with allowsmaller: ${dev} is ${formatBytes(target.sizeBytes)}; fixed partitions (${formatBytes(fixed)}) plus the image (${formatBytes(image.usedBytes)}) and a 10% margin need ${formatBytes(needed)}`, {
          hint: "use a larger disk",
        });
      }
      warnings.push(`${dev} is smaller than golden disk ${disk.dev} (${formatBytes(target.sizeBytes)} < ${formatBytes(golden)}): accepted by allowsmaller`);
    }
    const partitions = disk.labelType === "none" ? [] : placePartitions(disk, dev, target.sizeBytes);
    for (const part of partitions) deviceMap.set(part.goldenDev, part.dev);
    return {
      goldenDev: disk.dev,
      dev,
      sizeBytes: target.sizeBytes,
      ...(golden !== undefined ? { goldenSizeBytes: golden } : {}),
      sectorSize: target.logicalSectorSize ?? 512,
      labelType: disk.labelType,
      partitions,
    };
  });
  return { disks, deviceMap, warnings };
}

function volumeId(uuid: string): string {
  const hex = uuid.replace(/-/g, "").slice(0, 8).toUpperCase();
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

function mkfsOptions(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter((word) => word !== "");
}

function depth(mp: string): number {
  return mp === "/" ? 0 : mp.split("/").length - 1;
}

function planFilesystems(input: PlanInput, deviceMap: ReadonlyMap<string, string>): { filesystems: PlannedFilesystem[]; swaps: PlannedFilesystem[]; mounts: PlannedMount[]; warnings: string[] } {
  const filesystems: PlannedFilesystem[] = [];
  const swaps: PlannedFilesystem[] = [];
  const warnings: string[] = [];
  const mapDev = (dev: string): string => deviceMap.get(dev) ?? dev;
  for (const entry of [...input.layout.filesystems].sort((a, b) => a.line - b.line)) {
    if (!entry.realDev.startsWith("/dev/")) continue;
    if (!entry.format) {
      warnings.push(`${entry.mp} (${entry.realDev}) was not mounted at capture: left unformatted, its fstab line kept as it was`);
      continue;
    }
    const uuid = input.newUuid();
    const planned: PlannedFilesystem = {
      dev: mapDev(entry.realDev),
      goldenDev: entry.realDev,
      fs: entry.fs,
      mp: entry.mp,
      ...(entry.label !== undefined ? { label: entry.label } : {}),
      uuid: entry.fs === "vfat" ? volumeId(uuid) : uuid,
      ...(entry.uuid !== undefined ? { goldenUuid: entry.uuid } : {}),
      mkfsOptions: mkfsOptions(entry.mkfsOpts),
    };
    if (entry.fs === "swap") swaps.push(planned);
    else filesystems.push(planned);
  }
  const mounts = filesystems
    .filter((fs) => fs.mp.startsWith("/"))
    .map((fs) => ({ dev: fs.dev, fs: fs.fs, mp: fs.mp }))
    .sort((a, b) => depth(a.mp) - depth(b.mp));
  if (!mounts.some((m) => m.mp === "/")) {
    throw new SyscloneError("BAD_LAYOUT", "the layout has no root filesystem to clone onto", { hint: "check the image's layout.xml: one fsinfo needs mp=\"/\" and a device of the layout" });
  }
  return { filesystems, swaps, mounts, warnings };
}

function planTransport(input: PlanInput): Transport {
  const module = imageModule(input.image.name, input.image.version);
  const source = { url: rsyncUrl(rsyncBase(input), input.node.name, module) };
  if (input.image.transport === "multicast") {
    return { kind: "multicast", joinUrl: `${input.serverUrl}/install/${input.node.name}/multicast`, fallbackSeconds: input.image.multicastFallbackSeconds ?? 120, repair: source };
  }
  if (input.image.transport === "archive") {
    return { kind: "archive", url: `${input.serverUrl}/install/${input.node.name}/archive`, manifestUrl: `${input.serverUrl}/install/${input.node.name}/manifest`, repair: source };
  }
  return { kind: "rsync", source };
}

function rsyncBase(input: PlanInput): string {
  const url = new URL(input.serverUrl);
  return `rsync://${url.hostname}:${input.rsyncPort}`;
}

function postscriptEnvironment(input: PlanInput, disks: readonly PlannedDisk[], filesystems: readonly PlannedFilesystem[]): Record<string, string> {
  const { node, image, inventory } = input;
  const root = filesystems.find((fs) => fs.mp === "/");
  const esp = espMountPoint(filesystems);
  const uuidMap = filesystems.filter((fs) => fs.goldenUuid !== undefined).map((fs) => `${fs.goldenUuid ?? ""}=${fs.uuid}`);
  const installNic = inventory.nics[0];
  return {
    ...nodeEnvironment(node, image, new URL(input.serverUrl).hostname),
    INSTALLNIC_MAC: installNic?.mac ?? "",
    FIRMWARE: inventory.firmware,
    TARGET: inventory.targetDirectory === undefined ? "disks" : "directory",
    BOOT_DISK: disks[0]?.dev ?? "",
    ROOT_DEVICE: root?.dev ?? "",
    ROOT_UUID: root?.uuid ?? "",
    ESP: esp ?? "",
    UUID_MAP: uuidMap.join(" "),
    ROOT: "/",
  };
}

function planOverrides(input: PlanInput): ClonePlan["overrides"] {
  const base = rsyncBase(input);
  return input.overrides.map(({ scope, name, templates }) => ({
    scope,
    name,
    source: { url: rsyncUrl(base, input.node.name, overrideModule(scope, name)) },
    ...(templates !== undefined && templates.length > 0 ? { templates } : {}),
  }));
}

function planPostscripts(input: PlanInput): ClonePlan["postscripts"] {
  const base = rsyncUrl(rsyncBase(input), input.node.name, postscriptsModule);
  return input.postscripts.map((name) => ({ name, source: { url: `${base}${name}` } }));
}

/** (layout, inventory, node, image) → what the clone will do, or a typed refusal. Touches nothing. */
export function planClone(input: PlanInput): ClonePlan {
  // The hardware rules come first, with the size rule after them: a refusal lists every unmet rule, nothing is written.
  checkHwreq(input.node.name, input.hwreq ?? [], input.hardware ?? input.inventory);
  const common = {
    node: input.node.name,
    osimage: input.image.name,
    version: input.image.version,
    imageBytes: input.image.usedBytes,
    transport: planTransport(input),
    // A multicast copy is always verified: a stream can deliver a wrong byte that rsync's quick check would not see.
    ...(input.image.verify || input.image.transport === "multicast" ? { verifyUrl: `${input.serverUrl}/install/${input.node.name}/manifest` } : {}),
    overrides: planOverrides(input),
    postscripts: planPostscripts(input),
    finalAction: input.node.finalAction,
  };
  if (input.inventory.targetDirectory !== undefined) {
    return {
      ...common,
      root: input.inventory.targetDirectory,
      target: "directory",
      wipeDisks: [],
      disks: [],
      raids: [],
      volumeGroups: [],
      filesystems: [],
      swaps: [],
      mounts: [],
      environment: postscriptEnvironment(input, [], []),
      finalAction: "none",
      warnings: [],
    };
  }
  const { disks, deviceMap, warnings } = planDisks(input);
  const { raids, dataBytes: raidBytes } = planRaids(input.layout, deviceMap, disks);
  const volumeGroups: PlannedVolumeGroup[] = planVolumeGroups(input.layout, deviceMap, disks, raidBytes);
  const fsPlan = planFilesystems(input, deviceMap);
  checkImageFits(input.image.usedBytes, { disks, raidBytes, volumeGroups, filesystems: fsPlan.filesystems });
  return {
    ...common,
    root: "/a",
    target: "disks",
    disks,
    raids,
    volumeGroups,
    filesystems: fsPlan.filesystems,
    swaps: fsPlan.swaps,
    mounts: fsPlan.mounts,
    // A wipe chain erases the drives; an array a pre-install script assembled (and its members) is what the plan is for.
    wipeDisks: input.node.wipe === true ? candidateDisks(input.inventory).filter((d) => d.raidLevel === undefined).map((d) => `/dev/${d.name}`) : [],
    fstab: renderFstab(input.layout, [...fsPlan.filesystems, ...fsPlan.swaps]),
    environment: postscriptEnvironment(input, disks, fsPlan.filesystems),
    warnings: [...warnings, ...fsPlan.warnings],
  };
}
