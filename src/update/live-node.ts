import type { Layout } from "../layout/model.js";

/** What agent/update/probe.sh reports about a live node. */
export interface NodeProbe {
  readonly firmware: "uefi" | "bios";
  readonly mounts: readonly { readonly mountPoint: string; readonly fsType: string }[];
  readonly rootDevice: string;
  readonly rootUuid: string;
  readonly esp: string;
  readonly bootDisk: string;
  readonly macs: readonly string[];
}

export function parseProbe(text: string): NodeProbe {
  const values = new Map<string, string>();
  const mounts: { mountPoint: string; fsType: string }[] = [];
  const macs: string[] = [];
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "MOUNT") {
      const [mountPoint = "", fsType = ""] = value.split(" ");
      mounts.push({ mountPoint: mountPoint.replace(/\\040/g, " "), fsType });
    } else if (key === "MAC") macs.push(value.toLowerCase());
    else values.set(key, value);
  }
  return {
    firmware: values.get("FIRMWARE") === "uefi" ? "uefi" : "bios",
    mounts,
    rootDevice: values.get("ROOT_DEVICE") ?? "",
    rootUuid: values.get("ROOT_UUID") ?? "",
    esp: values.get("ESP") ?? "",
    bootDisk: values.get("BOOT_DISK") ?? "",
    macs,
  };
}

function escapeRsyncPattern(text: string): string {
  return text.replace(/[*?[\\]/g, (c) => `\\${c}`);
}

/**
 * Mounts the node has and the image's layout does not (NFS homes, scratch, pseudo
 * filesystems): their contents are excluded, so a delta never reaches into them.
 */
export function nodeOnlyMountExcludes(probe: NodeProbe, layout: Layout): string[] {
  const imageMounts = new Set(layout.filesystems.map((fs) => fs.mp));
  return probe.mounts
    .filter((m) => m.mountPoint !== "/" && m.mountPoint.startsWith("/") && !imageMounts.has(m.mountPoint))
    .map((m) => `${escapeRsyncPattern(m.mountPoint)}/*`);
}

/** Exact-path excludes for files the overrides and the synclist provide: the image pass leaves them alone. */
export function exactPathExcludes(nodePaths: readonly string[]): string[] {
  return [...new Set(nodePaths.map((file) => `/${escapeRsyncPattern(file.replace(/^\/+/, ""))}`))];
}

/** Protect rules for the directories holding those paths, so a delta does not try to delete them. */
export function ancestorProtects(nodePaths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const file of nodePaths) {
    const parts = file.replace(/^\/+/, "").split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  return [...dirs].sort().map((dir) => `P /${escapeRsyncPattern(dir)}/`);
}
