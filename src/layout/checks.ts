/**
 * Strict patterns for every layout value that reaches a command line, a file or a path on the clone
 * (mkfs arguments, fstab fields, mount points under the clone's root, names in /dev). A value that
 * fails its pattern is refused when the layout is read, never passed on.
 */

/** One path component: no "." or "..", fstab's octal escapes (\040 for a space) allowed. */
const SEGMENT = /^(?:[A-Za-z0-9_@+:,=~%-]|\\[0-7]{3}|\.)+$/;
const FSTAB_FIELD = /^(?:[A-Za-z0-9._@+:,=/~%-]|\\[0-7]{3})+$/;
const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{4}-[0-9a-f]{4}|[0-9a-f]{16})$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OPTION_WORD = /^[A-Za-z0-9._=,:+/^%@-]+$/;

/** No control character but tab. */
function printable(value: string): boolean {
  return [...value].every((c) => c === "\t" || (c >= " " && c !== "\u007f"));
}

function absolutePath(value: string): boolean {
  if (!value.startsWith("/")) return false;
  const segments = value.split("/").slice(1);
  if (value === "/") return true;
  return segments.every((s) => SEGMENT.test(s) && s !== "." && s !== "..");
}

/** Each check returns undefined when the value is acceptable, else what it should be. */
export const checks = {
  /** /dev/sda, /dev/cciss/c0d0, /dev/disk/by-id/…: an absolute path under /dev without . or .. */
  device: (v: string) => (v.startsWith("/dev/") && absolutePath(v) ? undefined : "a device path under /dev/ (no '..', spaces or quotes)"),
  raidDevice: (v: string) => (/^\/dev\/md(?:\d+|\/[A-Za-z0-9_][A-Za-z0-9_.-]*)$/.test(v) ? undefined : "an md device: /dev/mdN or /dev/md/NAME"),
  /** The mount point goes under the clone's root: absolute, no "..", or swap/none. */
  mountPoint: (v: string) => (v === "swap" || v === "none" || absolutePath(v) ? undefined : 'an absolute path without "." or ".." components (or swap, none)'),
  /** First fstab field when it is no device of the layout: proc, tmpfs, LABEL=x, UUID=…, host:/export. */
  fstabField: (v: string) => (FSTAB_FIELD.test(v) ? undefined : "one fstab field: letters, digits and ._@+:,=/~%- (no spaces or quotes)"),
  /** fstab allows a list: udf,iso9660. */
  fsType: (v: string) => (/^[a-z0-9][a-z0-9_.+-]{0,31}(?:,[a-z0-9][a-z0-9_.+-]{0,31})*$/i.test(v) ? undefined : "a filesystem type such as ext4, xfs, vfat, swap"),
  mountOptions: (v: string) => (/^[A-Za-z0-9._@+:,=/~%^-]+$/.test(v) ? undefined : "comma-separated mount options (no spaces or quotes)"),
  /** Words handed to mkfs or lvcreate as separate arguments. */
  optionWords: (v: string) => (v.split(/\s+/).filter((w) => w !== "").every((w) => OPTION_WORD.test(w)) ? undefined : "options made of letters, digits and ._=,:+/^%@- separated by spaces"),
  label: (v: string) => (/^[A-Za-z0-9._@+:/=-](?:[A-Za-z0-9 ._@+:/=-]{0,62}[A-Za-z0-9._@+:/=-])?$/.test(v) ? undefined : "a label of letters, digits and ._@+:/=- (inner spaces allowed), at most 64 characters"),
  uuid: (v: string) => (UUID.test(v) ? undefined : "a UUID (8-4-4-4-12 hex digits, or XXXX-XXXX for FAT)"),
  /** LVM's rule for volume group and logical volume names. */
  lvmName: (v: string) =>
    /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]{0,127}$/.test(v) && v !== "." && v !== ".." && v !== "snapshot" && v !== "pvmove" ? undefined : "an LVM name: letters, digits and +_.- (not starting with -, not . or ..)",
  extentSize: (v: string) => (/^\d+(?:\.\d+)?[KkMmGgTt]?$/.test(v) ? undefined : "a size such as 4096K or 4M"),
  chunkSize: (v: string) => (/^\d+[KkMm]?$/.test(v) ? undefined : "a chunk size such as 64K"),
  /** GPT partition name: sfdisk gets it quoted. */
  partName: (v: string) => (v === "-" || /^[A-Za-z0-9 ._@+:,=/()#-]{1,36}$/.test(v) ? undefined : "a GPT name of at most 36 letters, digits, spaces and ._@+:,=/()#-"),
  partId: (v: string) => (/^(?:0x)?[0-9a-f]{1,2}$/i.test(v) || GUID.test(v) ? undefined : "an MBR type in hex (83, 8e, fd) or a GPT type GUID"),
  flag: (v: string) => (/^[a-z][a-z0-9_-]{0,31}$/.test(v) ? undefined : "a parted flag such as boot, esp, lvm, raid, swap"),
  /** An fstab comment line: blank, or starting with #; printable characters only. */
  comment: (v: string) => (/^[ \t]*(?:#.*)?$/.test(v) && printable(v) ? undefined : "an fstab comment: blank or starting with #, on one line"),
} as const;

export type CheckName = keyof typeof checks;

/** A value for an error message: quoted, control characters escaped, long values cut. */
export function shown(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(cut);
}
