/**
 * Never captured: kernel and runtime pseudo trees, temporary files, caches, and the golden client's
 * SSH host private keys (each clone makes its own on first boot; the public halves stay, harmless).
 * Contents only: the directories stay.
 */
export const builtinExcludes: readonly string[] = [
  "/proc/*",
  "/sys/*",
  "/dev/*",
  "/run/*",
  "/tmp/*",
  "/var/tmp/*",
  "/var/cache/apt/archives/*.deb",
  "/var/cache/dnf/*",
  "/var/cache/yum/*",
  "/var/cache/zypp/*",
  "/var/lib/dhcp/*.leases",
  "/var/lib/NetworkManager/*.lease",
  "/lost+found/*",
  "/var/lost+found/*",
  "/swapfile",
  "/swap.img",
  "/etc/ssh/ssh_host_*_key",
  "/etc/ssh/ssh_host_key",
];

/** Lines of an images/<osimage>.exclude file: one rsync pattern a line, # comments. */
export function parseExcludeFile(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

export function combineExcludes(...lists: readonly (readonly string[])[]): string[] {
  return [...new Set(lists.flat().filter((pattern) => pattern !== ""))];
}
