/**
 * What the Debian package needs at run time: every program sysclone's server-side code spawns (the
 * TypeScript under src/ and server/, and agent/initrd/build.sh, which `sysclone initrd build` runs on
 * the server), with the Debian package that ships it. A unit test scans the code and fails on a
 * program this table does not name; the package test checks the package names against dpkg -S.
 */
export type Need = "depends" | "recommends" | "essential";

export interface RuntimeNeed {
  /** A program looked up on PATH, or an absolute path of a file the code reads. */
  readonly tool: string;
  readonly package: string;
  /** depends: core work fails without it; recommends: one optional feature; essential: every Debian system has it. */
  readonly need: Need;
  readonly why: string;
}

const initrd = "sysclone initrd build (agent/initrd/build.sh)";

export const runtimeNeeds: readonly RuntimeNeed[] = [
  { tool: "rsync", package: "rsync", need: "depends", why: "the image daemon of serve, imgcapture, updatenode; copied into the clone initrd" },
  { tool: "ssh", package: "openssh-client", need: "depends", why: "imgcapture and updatenode: rsync's transport (bin/sysclone-rsh), the host key pinned" },
  { tool: "dnsmasq", package: "dnsmasq-base", need: "depends", why: "serve's DHCP/proxy-DHCP and TFTP" },
  { tool: "/usr/lib/ipxe/undionly.kpxe", package: "ipxe", need: "depends", why: "the iPXE binaries dnsmasq hands to firmware PXE" },
  { tool: "udp-sender", package: "udpcast", need: "depends", why: "multicast transport" },
  { tool: "udp-receiver", package: "udpcast", need: "depends", why: `multicast transport in the clone initrd, ${initrd}` },
  { tool: "zstd", package: "zstd", need: "depends", why: `archive transport; ${initrd}` },
  { tool: "ip", package: "iproute2", need: "depends", why: "serve: the DHCP interface's IPv6 addresses (router advertisements)" },
  { tool: "busybox", package: "busybox-static", need: "depends", why: `${initrd}: a static busybox is the initrd's base` },
  { tool: "sfdisk", package: "fdisk", need: "depends", why: initrd },
  { tool: "mke2fs", package: "e2fsprogs", need: "depends", why: initrd },
  { tool: "mkfs.ext4", package: "e2fsprogs", need: "depends", why: initrd },
  { tool: "mkfs.ext3", package: "e2fsprogs", need: "depends", why: initrd },
  { tool: "mkfs.ext2", package: "e2fsprogs", need: "depends", why: initrd },
  { tool: "mkfs.xfs", package: "xfsprogs", need: "depends", why: initrd },
  { tool: "mkfs.vfat", package: "dosfstools", need: "depends", why: `${initrd}; boot media` },
  { tool: "lvm", package: "lvm2", need: "depends", why: initrd },
  { tool: "mdadm", package: "mdadm", need: "depends", why: initrd },
  { tool: "openssl", package: "openssl", need: "depends", why: `${initrd}: the signing key's check and digest` },
  { tool: "depmod", package: "kmod", need: "depends", why: initrd },
  { tool: "modprobe", package: "kmod", need: "depends", why: initrd },
  { tool: "cpio", package: "cpio", need: "depends", why: initrd },
  { tool: "xz", package: "xz-utils", need: "depends", why: `${initrd}: compressed kernel modules` },
  { tool: "losetup", package: "mount", need: "depends", why: "imgimport: a disk image's partitions" },
  { tool: "mount", package: "mount", need: "depends", why: "imgimport: a disk image's filesystems" },
  { tool: "mdir", package: "mtools", need: "recommends", why: "imgimport: an EFI partition read without mounting" },
  { tool: "mkfs.btrfs", package: "btrfs-progs", need: "recommends", why: `${initrd}: btrfs images` },
  { tool: "efibootmgr", package: "efibootmgr", need: "recommends", why: `${initrd}: UEFI boot entries of clones` },
  { tool: "ipmitool", package: "ipmitool", need: "recommends", why: "power and consoles through BMCs (mgt=ipmi)" },
  { tool: "grub-mkstandalone", package: "grub-common", need: "recommends", why: "boot media: the UEFI loader" },
  { tool: "/usr/lib/grub/x86_64-efi/moddep.lst", package: "grub-efi-amd64-bin", need: "recommends", why: "boot media: grub's UEFI modules" },
  { tool: "mmd", package: "mtools", need: "recommends", why: "boot media: the EFI image" },
  { tool: "mcopy", package: "mtools", need: "recommends", why: "boot media: the EFI image" },
  { tool: "xorriso", package: "xorriso", need: "recommends", why: "boot media: the ISO" },
  { tool: "bash", package: "bash", need: "essential", why: "agent scripts" },
  { tool: "dash", package: "dash", need: "essential", why: initrd },
  { tool: "tar", package: "tar", need: "essential", why: "archive transport" },
  { tool: "xargs", package: "findutils", need: "essential", why: "imgcapture and the manifest: file names streamed to openssl dgst" },
  { tool: "gzip", package: "gzip", need: "essential", why: initrd },
  { tool: "wipefs", package: "util-linux", need: "essential", why: initrd },
  { tool: "blkid", package: "util-linux", need: "essential", why: initrd },
  { tool: "blockdev", package: "util-linux", need: "essential", why: initrd },
  { tool: "mkswap", package: "util-linux", need: "essential", why: initrd },
];

/** Tools only the tests, the demo or the benches use: never a dependency of the package. */
export const testOnlyTools: readonly string[] = ["qemu-system-x86_64", "debootstrap", "ipmi_sim", "chromium", "sshd", "ss", "nft", "tc"];

/** The package's Depends and Recommends: the table's packages, and those of the shared libraries its binaries load. */
export function packageRelations(needs: readonly RuntimeNeed[], libraryPackages: readonly string[]): { depends: string[]; recommends: string[] } {
  const of = (need: Need): string[] => needs.filter((n) => n.need === need).map((n) => n.package);
  const depends = [...new Set([...libraryPackages, ...of("depends")])].sort();
  const recommends = [...new Set(of("recommends"))].filter((name) => !depends.includes(name)).sort();
  return { depends, recommends };
}
