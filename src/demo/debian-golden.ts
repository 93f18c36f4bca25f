import { writeFile } from "node:fs/promises";
import path from "node:path";
import { checkoutRoot } from "../config/paths.js";
import { must } from "../exec/must.js";
import { createGoldenClient, type GoldenClient } from "./golden-client.js";

const MiB = 1024 * 1024;

/** The cached minimal Debian (scripts/debian-golden.sh: debootstrap once, then reused); returns the tarball's path. */
export async function debianGoldenTarball(signal?: AbortSignal): Promise<string> {
  const script = path.join(checkoutRoot(), "scripts", "debian-golden.sh");
  return (await must("bash", [script], { timeoutMs: 1_200_000, ...(signal ? { signal } : {}) })).stdoutTail.trim();
}

/**
 * The disk the Debian golden client stands for: 1.5 GiB, an MBR with / for BIOS, or a GPT with
 * an ESP and / for UEFI. Its tree lives on loop devices, so a capture is given this layout.
 */
export function debianGoldenLayout(firmware: "bios" | "uefi"): string {
  const disk =
    firmware === "bios"
      ? `  <disk dev="/dev/vda" label_type="msdos" unit_of_measurement="MB" size_bytes="${1536 * MiB}">
    <part num="1" size="*" p_type="primary" p_name="-" flags="boot" size_bytes="${1535 * MiB}"/>
  </disk>
  <fsinfo line="1" real_dev="/dev/vda1" mount_dev="/dev/vda1" mp="/" fs="ext4" options="errors=remount-ro" dump="0" pass="1"/>`
      : `  <disk dev="/dev/vda" label_type="gpt" unit_of_measurement="MB" size_bytes="${1536 * MiB}">
    <part num="1" size="65" p_type="primary" p_name="EFI System" flags="esp" size_bytes="${64 * MiB}"/>
    <part num="2" size="*" p_type="primary" p_name="root" flags="-" size_bytes="${1470 * MiB}"/>
  </disk>
  <fsinfo line="1" real_dev="/dev/vda2" mount_dev="/dev/vda2" mp="/" fs="ext4" options="errors=remount-ro" dump="0" pass="1"/>
  <fsinfo line="2" real_dev="/dev/vda1" mount_dev="/dev/vda1" mp="/boot/efi" fs="vfat" options="umask=0077" dump="0" pass="2"/>`;
  return `<config>\n${disk}\n  <boel devstyle="udev"/>\n</config>\n`;
}

/**
 * A golden client running the cached Debian: its own namespace and sshd, the tree on loop-backed
 * ext4. `serverKey` is put in root's authorized_keys both for the capture and inside the tree, as
 * an administrator does: every clone then lets the server in (updatenode, a later capture).
 */
export async function createDebianGoldenClient(tarball: string, serverKey: string): Promise<GoldenClient> {
  const golden = await createGoldenClient({
    rootSizeMiB: 1400,
    varSizeMiB: 256,
    populate: async (root) => {
      await must("tar", ["-xpf", tarball, "-C", root]);
      await writeFile(path.join(root, "root", ".ssh", "authorized_keys"), `${serverKey.trim()}\n`, { mode: 0o600 });
    },
  });
  try {
    await golden.authorize(serverKey);
  } catch (error) {
    await golden.destroy();
    throw error;
  }
  return golden;
}
