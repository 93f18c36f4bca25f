import { shellCommand, shellQuote } from "../format/shell.js";
import { TEMPLATE_SUFFIX } from "../template/render.js";
import type { ClonePlan, PlannedFilesystem, PlannedTemplate } from "./model.js";
import { sfdiskScript } from "./partitions.js";

/** rsync's arguments for every copy from the image: the capture's own fidelity flags. */
export const pullRsyncArgs = ["-aHAXS", "--numeric-ids", "--delete", "--info=progress2"] as const;
/** rsync --out-format for a pull verified as it lands: agent/clone/lib.sh sc_rsync_progress passes these lines to the verifier. */
const verifyNameFormat = "sysclone-file: %n";
// --ignore-times: an override must win even when size and mtime match what is already there.
const overlayRsyncArgs = ["-aHAX", "--numeric-ids", "--ignore-times"] as const;
/** Where postscripts are fetched to inside the clone; removed before the clone finishes. */
export const postscriptDir = "/.sysclone/postscripts";

function mkfsCommands(fs: PlannedFilesystem): string[][] {
  const label = fs.label;
  switch (fs.fs) {
    // reiserfs and jfs ask for confirmation unless told not to; mkfs.jfs cannot set a UUID, jfs_tune can.
    case "reiserfs":
      return [["mkfs.reiserfs", "-q", "-ff", "-u", fs.uuid, ...(label ? ["-l", label] : []), ...fs.mkfsOptions, fs.dev]];
    case "jfs":
      return [["mkfs.jfs", "-q", ...(label ? ["-L", label] : []), ...fs.mkfsOptions, fs.dev], ["jfs_tune", "-U", fs.uuid, fs.dev]];
    default:
      return [mkfsCommand(fs)];
  }
}

function mkfsCommand(fs: PlannedFilesystem): string[] {
  const label = fs.label;
  switch (fs.fs) {
    case "ext2":
    case "ext3":
    case "ext4":
      return [`mkfs.${fs.fs}`, "-F", "-q", "-U", fs.uuid, ...(label ? ["-L", label] : []), ...fs.mkfsOptions, fs.dev];
    case "xfs":
      return ["mkfs.xfs", "-f", "-q", "-m", `uuid=${fs.uuid}`, ...(label ? ["-L", label] : []), ...fs.mkfsOptions, fs.dev];
    case "btrfs":
      return ["mkfs.btrfs", "-f", "-q", "-U", fs.uuid, ...(label ? ["-L", label] : []), ...fs.mkfsOptions, fs.dev];
    case "vfat":
      return ["mkfs.vfat", "-i", fs.uuid.replace("-", ""), ...(label ? ["-n", label] : []), ...fs.mkfsOptions, fs.dev];
    case "swap":
      return ["mkswap", "-U", fs.uuid, ...(label ? ["-L", label] : []), fs.dev];
    default:
      return [`mkfs.${fs.fs}`, ...fs.mkfsOptions, fs.dev];
  }
}

function join(root: string, mp: string): string {
  return mp === "/" ? root : `${root}${mp}`;
}

function diskSteps(plan: ClonePlan): string[] {
  const lines: string[] = [];
  lines.push("", "sc_step check 'check the disks before writing'");
  for (const disk of plan.disks) lines.push(shellCommand(["sc_require_disk", disk.dev, String(disk.sizeBytes)]));
  if (plan.wipeDisks.length > 0) {
    lines.push("", "sc_step wipe 'erase every disk'", "sc_release_storage");
    for (const dev of plan.wipeDisks) lines.push(shellCommand(["sc_wipe_disk", dev]));
  }
  lines.push("", "sc_step partition 'wipe and partition'");
  for (const disk of plan.disks) {
    lines.push(shellCommand(["wipefs", "-a", "-q", disk.dev]));
    if (disk.labelType === "none") continue;
    const script = sfdiskScript(disk.labelType, disk.partitions, disk.sectorSize);
    lines.push(`${shellCommand(["printf", "%s\\n", ...script])} | ${shellCommand(["sfdisk", "--quiet", "--wipe", "always", "--wipe-partitions", "always", disk.dev])}`);
    lines.push(shellCommand(["sc_wait_devices", ...disk.partitions.filter((p) => p.pType !== "extended").map((p) => p.dev)]));
  }
  for (const raid of plan.raids) {
    lines.push(
      shellCommand([
        "mdadm", "--create", raid.dev, "--run", "--metadata=1.2", `--level=${raid.level}`, `--raid-devices=${raid.members.length - raid.spares}`,
        ...(raid.spares > 0 ? [`--spare-devices=${raid.spares}`] : []),
        ...(raid.chunkSize ? [`--chunk=${raid.chunkSize}`] : []),
        ...raid.members,
      ]),
    );
  }
  for (const group of plan.volumeGroups) {
    lines.push(shellCommand(["pvcreate", "-ff", "-y", ...group.physicalVolumes]));
    lines.push(shellCommand(["vgcreate", "-y", ...(group.extentSize ? ["-s", group.extentSize] : []), group.name, ...group.physicalVolumes]));
    for (const lv of group.volumes) {
      const size = lv.sizeBytes !== undefined ? ["-L", `${lv.sizeBytes}b`] : ["-l", lv.extents ?? "100%FREE"];
      lines.push(shellCommand(["lvcreate", "-y", "-W", "y", "-Z", "y", ...size, "-n", lv.name, group.name]));
    }
    lines.push(shellCommand(["vgmknodes", group.name]));
  }
  lines.push("", "sc_step mkfs 'make filesystems'");
  for (const fs of [...plan.filesystems, ...plan.swaps]) lines.push(...mkfsCommands(fs).map(shellCommand));
  lines.push("", "sc_step mount 'mount the filesystems'");
  for (const mount of plan.mounts) {
    const at = join(plan.root, mount.mp);
    lines.push(shellCommand(["mkdir", "-p", at]), shellCommand(["mount", "-t", mount.fs, mount.dev, at]));
  }
  return lines;
}

function copySteps(plan: ClonePlan): string[] {
  const root = `${plan.root.replace(/\/$/, "")}/`;
  const lines = ["", "sc_step pull 'copy the image'"];
  // A mount point the image lacks (a chroot captured with --layout) must survive --delete: it is busy.
  const pullArgs = [...pullRsyncArgs, ...plan.mounts.filter((m) => m.mp !== "/").map((m) => `--filter=protect ${m.mp}/`)];
  if (plan.transport.kind === "multicast") {
    lines.push(shellCommand(["sc_pull_multicast", plan.transport.joinUrl, plan.root, String(plan.transport.fallbackSeconds)]));
    lines.push("sc_step repair 'repair pass over rsync'");
    lines.push(shellCommand(["sc_pull", String(plan.imageBytes), "rsync", ...pullArgs, plan.transport.repair.url, root]));
  } else if (plan.transport.kind === "archive") {
    // Checked against the manifest as it lands (contents too with verify); only what is wrong is fetched again.
    lines.push(shellCommand(["sc_verify_begin", plan.transport.manifestUrl, plan.root, plan.verifyUrl === undefined ? "no" : "yes"]));
    lines.push(shellCommand(["sc_pull_archive", plan.transport.url, plan.root]));
    lines.push("sc_step verify 'check the clone against the image manifest'");
    lines.push(shellCommand(["sc_verify_end", plan.root, "meta", plan.transport.repair.url, String(plan.imageBytes), ...pullArgs]));
  } else if (plan.verifyUrl !== undefined) {
    // Each file is hashed as soon as rsync has it in place, beside the copy; what is left is checked after it.
    lines.push(shellCommand(["sc_verify_begin", plan.verifyUrl, plan.root, "yes"]));
    lines.push(shellCommand(["sc_pull", String(plan.imageBytes), "rsync", ...pullArgs, `--out-format=${verifyNameFormat}`, plan.transport.source.url, root]));
    lines.push("", "sc_step verify 'verify against the image manifest'", shellCommand(["sc_verify_end", plan.root, "hash"]));
  } else {
    lines.push(shellCommand(["sc_pull", String(plan.imageBytes), "rsync", ...pullArgs, plan.transport.source.url, root]));
  }
  if (plan.verifyUrl !== undefined && plan.transport.kind === "multicast") {
    lines.push("", "sc_step verify 'verify against the image manifest'", shellCommand(["sc_verify", plan.verifyUrl, plan.root, plan.transport.repair.url]));
  }
  if (plan.overrides.length > 0) {
    lines.push("", "sc_step overrides 'apply overrides'");
    for (const o of plan.overrides) {
      if (o.templates === undefined) {
        lines.push(shellCommand(["sc_fetch", "rsync", ...overlayRsyncArgs, o.source.url, root]));
        continue;
      }
      // Templates arrive rendered inside the plan; their own *.tmpl files never reach the clone.
      lines.push(shellCommand(["sc_fetch", "rsync", ...overlayRsyncArgs, `--exclude=*${TEMPLATE_SUFFIX}`, o.source.url, root]));
      for (const t of o.templates) lines.push(...writeTemplateLines(`${root}${t.path}`, t));
    }
  }
  if (plan.fstab !== undefined) {
    const fstabLines = plan.fstab.replace(/\n$/, "").split("\n");
    lines.push("", "sc_step fstab 'write fstab by UUID'", `${shellCommand(["printf", "%s\\n", ...fstabLines])} > ${shellQuote(`${root}etc/fstab`)}`);
  }
  return lines;
}

/** A rendered template written in place of whatever is there (a symbolic link is replaced, not followed), with its mode and owner. */
export function writeTemplateLines(file: string, template: PlannedTemplate): string[] {
  return [
    shellCommand(["rm", "-f", file]),
    `${shellCommand(["printf", "%s", template.content])} > ${shellQuote(file)}`,
    shellCommand(["chown", `${template.uid}:${template.gid}`, file]),
    shellCommand(["chmod", template.mode.toString(8).padStart(4, "0"), file]),
  ];
}

function postscriptSteps(plan: ClonePlan): string[] {
  if (plan.postscripts.length === 0) return [];
  const dir = `${plan.root.replace(/\/$/, "")}${postscriptDir}`;
  const env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...Object.entries(plan.environment).map(([k, v]) => `${k}=${v}`)];
  const lines = ["", "sc_step postscripts 'run postscripts'", shellCommand(["mkdir", "-p", dir])];
  for (const script of plan.postscripts) lines.push(shellCommand(["sc_fetch", "rsync", "-a", script.source.url, `${dir}/`]));
  lines.push(shellCommand(["sc_bind_system", plan.root]));
  for (const script of plan.postscripts) {
    lines.push(shellCommand(["sc_postscript", script.name, "env", "-i", ...env, "chroot", plan.root, `${postscriptDir}/${script.name}`]));
  }
  lines.push(shellCommand(["sc_unbind_system", plan.root]), shellCommand(["rm", "-rf", `${plan.root.replace(/\/$/, "")}/.sysclone`]));
  return lines;
}

function unmountSteps(plan: ClonePlan): string[] {
  if (plan.mounts.length === 0) return [];
  const lines = ["", "sc_step unmount 'unmount'", "sync"];
  for (const mount of [...plan.mounts].reverse()) lines.push(shellCommand(["umount", join(plan.root, mount.mp)]));
  for (const group of plan.volumeGroups) lines.push(shellCommand(["vgchange", "-a", "n", group.name]));
  return lines;
}

/** The plan as a POSIX sh script of simple quoted commands; the sc_* helpers come from agent/clone/lib.sh. */
export function renderPlan(plan: ClonePlan): string {
  const header = [
    "#!/bin/sh",
    `# sysclone clone plan: node ${plan.node}, image ${plan.osimage} v${plan.version}, target ${plan.target === "disks" ? "disks" : plan.root}`,
    ...plan.warnings.map((w) => `# warning: ${w.replace(/\n/g, " ")}`),
    "set -eu",
    `. "\${SC_LIB:?the clone agent sets SC_LIB}"`,
    `SC_ROOT=${shellQuote(plan.root)}`,
    "trap 'sc_exit_trap $?' EXIT",
    shellCommand(["sc_begin", plan.node, plan.osimage, String(plan.version)]),
  ];
  const firstboot = ["", "sc_step firstboot 'set up the first-boot report'", shellCommand(["sc_firstboot", plan.root])];
  const body = [...(plan.target === "disks" ? diskSteps(plan) : ["", shellCommand(["mkdir", "-p", plan.root])]), ...copySteps(plan), ...postscriptSteps(plan), ...firstboot, ...unmountSteps(plan)];
  return `${[...header, ...body, "", shellCommand(["sc_finish", plan.finalAction]), ""].join("\n")}`;
}
