import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../../src/errors/errors.js";
import { chooseFormat, isXz, parseDiskFormat } from "../../../../src/image/import/source.js";

describe("disk image formats", () => {
  it("knows xz by its magic", () => {
    expect(isXz(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04]))).toBe(true);
    expect(isXz(Buffer.from("QFI\xfb", "latin1"))).toBe(false);
    expect(isXz(Buffer.alloc(0))).toBe(false);
  });

  it.each([
    [undefined, "qcow2", "qcow2"],
    [undefined, "raw", "raw"],
    ["qcow2", "qcow2", "qcow2"],
    ["vmdk", "vmdk", "vmdk"],
    ["raw", "raw", "raw"],
  ] as const)("-t %s with qemu-img's %s → %s", (given, probed, format) => {
    expect(chooseFormat(given, probed, "f")).toBe(format);
  });

  it.each([
    ["raw", "qcow2", "f is not a raw image: qemu-img reads it as qcow2"],
    ["qcow2", "raw", "f is not a qcow2 image: qemu-img reads it as raw"],
    [undefined, "vhdx", "f is a \"vhdx\" image; imgimport reads raw, qcow2, vmdk"],
  ] as const)("-t %s with qemu-img's %s is refused", (given, probed, message) => {
    try {
      chooseFormat(given, probed, "f");
      expect.unreachable();
    } catch (error) {
      expect(isSyscloneError(error, "BAD_DISK_IMAGE")).toBe(true);
      expect((error as Error).message).toContain(message);
    }
  });

  it("-t takes raw, qcow2 or vmdk", () => {
    expect(parseDiskFormat(undefined)).toBeUndefined();
    expect(parseDiskFormat("vmdk")).toBe("vmdk");
    expect(() => parseDiskFormat("vhd")).toThrow(/is not a disk image format/);
  });
});
