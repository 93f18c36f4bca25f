import { SyscloneError } from "../../errors/errors.js";

export const diskFormats = ["raw", "qcow2", "vmdk"] as const;
export type DiskFormat = (typeof diskFormats)[number];

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/** An xz stream (KIWI's .raw.xz), known by its magic bytes. Pure. */
export function isXz(firstBytes: Buffer): boolean {
  return firstBytes.subarray(0, XZ_MAGIC.length).equals(XZ_MAGIC);
}

/** -t as given → a format, or USAGE. Pure. */
export function parseDiskFormat(given: string | undefined): DiskFormat | undefined {
  if (given === undefined) return undefined;
  if ((diskFormats as readonly string[]).includes(given)) return given as DiskFormat;
  throw new SyscloneError("USAGE", `-t ${JSON.stringify(given.slice(0, 40))} is not a disk image format`, { hint: `use -t ${diskFormats.join("|")}` });
}

/**
 * The format to convert from: what qemu-img's probe found, checked against -t. qemu-img reads any
 * file it does not recognise as raw, so -t raw on a qcow2 is refused (it would import qcow2's
 * own bytes) and -t qcow2 on anything qemu-img calls raw is refused too. Pure.
 */
export function chooseFormat(given: DiskFormat | undefined, probed: string, file: string): DiskFormat {
  const known = (diskFormats as readonly string[]).includes(probed) ? (probed as DiskFormat) : undefined;
  if (known === undefined) {
    throw new SyscloneError("BAD_DISK_IMAGE", `${file} is a ${JSON.stringify(probed.slice(0, 20))} image; imgimport reads ${diskFormats.join(", ")} (and .raw.xz)`, { hint: "convert it first: qemu-img convert -O raw FILE disk.raw" });
  }
  if (given !== undefined && given !== known) {
    throw new SyscloneError("BAD_DISK_IMAGE", `${file} is not a ${given} image: qemu-img reads it as ${known}`, { hint: `drop -t, or give -t ${known}` });
  }
  return known;
}
