import { SyscloneError } from "../errors/errors.js";

/**
 * What `updatenode -S` never overwrites or deletes on a node: its identity, its network, its
 * boot-time UUIDs (fstab) and what it wrote itself. Patterns are rsync patterns anchored at /.
 */
export const defaultKeepList: readonly string[] = [
  "/etc/hostname",
  "/etc/hosts",
  "/etc/hosts.sysclone",
  "/etc/machine-id",
  "/var/lib/dbus/machine-id",
  "/etc/fstab",
  "/etc/crypttab",
  "/etc/ssh/ssh_host_*",
  "/root/.ssh/authorized_keys",
  "/etc/resolv.conf",
  "/etc/network/interfaces",
  "/etc/network/interfaces.golden",
  "/etc/network/interfaces.d/*",
  "/etc/netplan/*",
  "/etc/NetworkManager/system-connections/*",
  "/etc/sysconfig/network",
  "/etc/sysconfig/network-scripts/ifcfg-*",
  "/etc/sysconfig/network-scripts/route-*",
  "/etc/sysconfig/network/ifcfg-*",
  "/etc/sysconfig/network/routes",
  "/etc/udev/rules.d/70-persistent-net.rules",
  "/var/log/*",
  "/var/spool/*",
  "/var/lib/sysclone/*",
  "/usr/local/sbin/sysclone-firstboot",
  "/etc/systemd/system/sysclone-firstboot.service",
  "/etc/systemd/system/multi-user.target.wants/sysclone-firstboot.service",
  "/etc/systemd/system/sysclone-hostkeys.service",
  "/etc/systemd/system/multi-user.target.wants/sysclone-hostkeys.service",
];

/** The default list, then the image's and the node's own `keep` attributes. */
export function keepList(...attributeValues: readonly (string | undefined)[]): string[] {
  const extra = attributeValues.flatMap((value) => (value ?? "").split(",").map((p) => p.trim()).filter((p) => p !== ""));
  for (const pattern of extra) {
    if (!pattern.startsWith("/") || pattern.split("/").includes("..")) {
      throw new SyscloneError("BAD_ATTRIBUTE", `keep pattern "${pattern}" must be an absolute path without ".."`, { hint: "e.g. chdef n01 keep=/etc/slurm/slurm.key,/opt/local/*" });
    }
  }
  return [...new Set([...defaultKeepList, ...extra])];
}
