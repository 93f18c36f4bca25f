import { formatBytes } from "../format/bytes.js";
import type { ClonePlan } from "./model.js";

/** The plan in sentences a person can check before any node boots. */
export function describePlan(plan: ClonePlan): string[] {
  const lines: string[] = [];
  const target = plan.target === "disks" ? `disks ${plan.disks.map((d) => d.dev).join(", ")}` : `directory ${plan.root}`;
  lines.push(`${plan.node}: clone ${plan.osimage} v${plan.version} onto ${target}`);
  if (plan.wipeDisks.length > 0) lines.push(`wipe first: every disk, ${plan.wipeDisks.join(" ")} (after the size check)`);
  const fsOn = (dev: string): string => {
    const fs = [...plan.filesystems, ...plan.swaps].find((f) => f.dev === dev);
    return fs ? ` → ${fs.fs}${fs.mp.startsWith("/") ? ` ${fs.mp}` : ""}${fs.label ? ` label ${fs.label}` : ""} uuid ${fs.uuid}` : "";
  };
  for (const disk of plan.disks) {
    const golden = disk.goldenSizeBytes === undefined ? "size unknown" : formatBytes(disk.goldenSizeBytes);
    lines.push(`disk ${disk.dev}: ${formatBytes(disk.sizeBytes)} (golden ${disk.goldenDev}: ${golden}), ${disk.labelType === "none" ? "no partition table" : disk.labelType}${fsOn(disk.dev)}`);
    for (const part of disk.partitions) {
      const kind = part.pType === "primary" ? "" : ` ${part.pType}`;
      lines.push(`  ${part.dev}${kind}: ${formatBytes(part.sizeBytes)} at ${formatBytes(part.startBytes)}${part.grows ? " (grows)" : ""}, type ${part.type}${part.name ? `, name ${part.name}` : ""}${fsOn(part.dev)}`);
    }
  }
  for (const raid of plan.raids) lines.push(`raid ${raid.dev}: ${raid.level} of ${raid.members.join(" ")}${fsOn(raid.dev)}`);
  for (const group of plan.volumeGroups) {
    lines.push(`volume group ${group.name} on ${group.physicalVolumes.join(" ")}`);
    for (const lv of group.volumes) {
      const dev = `/dev/${group.name}/${lv.name}`;
      lines.push(`  ${dev}: ${lv.sizeBytes !== undefined ? formatBytes(lv.sizeBytes) : lv.extents ?? ""}${fsOn(dev)}`);
    }
  }
  if (plan.mounts.length > 0) lines.push(`mount: ${plan.mounts.map((m) => `${m.mp} ${m.dev}`).join(", ")}`);
  const t = plan.transport;
  lines.push(
    t.kind === "rsync" ? `copy: rsync from ${t.source.url}`
      : t.kind === "archive" ? `copy: archive from ${t.url}, checked against the manifest; what differs fetched again from ${t.repair.url}`
        : `copy: multicast session joined at ${t.joinUrl} (a late node waits ${t.fallbackSeconds} s for the next, then uses rsync), then rsync repair from ${t.repair.url}`,
  );
  lines.push(plan.verifyUrl !== undefined ? "verify: every file's sha256 against the image manifest" : "verify: off (osimage verify=no)");
  lines.push(`overrides: ${plan.overrides.length > 0 ? plan.overrides.map((o) => `${o.scope} ${o.name}${o.templates ? ` (templates: ${o.templates.map((t) => `/${t.path}`).join(", ")})` : ""}`).join(", ") : "none"}`);
  if (plan.fstab !== undefined) lines.push("fstab: rewritten, filesystems by their new UUIDs");
  lines.push(`postscripts: ${plan.postscripts.length > 0 ? plan.postscripts.map((p) => p.name).join(", ") : "none"}`);
  lines.push(`then: ${plan.finalAction}`);
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return lines;
}
