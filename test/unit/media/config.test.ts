import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderMediaConfigs, xorrisoArgs, type MediaSpec } from "../../../src/media/config.js";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const expectedDir = path.join(import.meta.dirname, "expected");

const variants: readonly [string, MediaSpec][] = [
  ["any", { osimage: "rocky9", version: 3, server: "http://10.0.0.1:8080", marker: "media-0123456789ab" }],
  ["node-static", { osimage: "rocky9", version: 3, server: "http://10.0.0.1:8080", node: "n07", network: { address: "10.0.0.57", prefix: 24, gateway: "10.0.0.1" }, marker: "media-0123456789ab" }],
];

describe("boot media configuration", () => {
  it.each(variants)("%s: isolinux.cfg and grub.cfg are the stored copies", async (name, spec) => {
    const templates = {
      isolinux: await readFile(path.join(root, "agent", "media", "isolinux.cfg"), "utf8"),
      grub: await readFile(path.join(root, "agent", "media", "grub.cfg"), "utf8"),
    };
    const configs = renderMediaConfigs(templates, spec);
    expect(configs.isolinux).toBe(await readFile(path.join(expectedDir, `${name}.isolinux.cfg`), "utf8"));
    expect(configs.grub).toBe(await readFile(path.join(expectedDir, `${name}.grub.cfg`), "utf8"));
  });

  it("xorriso makes a hybrid ISO: isolinux with isohdpfx's MBR for BIOS, the EFI image for UEFI", () => {
    expect(xorrisoArgs("/w/tree", "/out/clone.iso.partial", "/usr/lib/ISOLINUX/isohdpfx.bin")).toEqual([
      "-as", "mkisofs", "-quiet", "-iso-level", "3", "-full-iso9660-filenames", "-joliet", "-rational-rock", "-volid", "SYSCLONE",
      "-eltorito-boot", "isolinux/isolinux.bin", "-eltorito-catalog", "isolinux/boot.cat", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
      "-isohybrid-mbr", "/usr/lib/ISOLINUX/isohdpfx.bin",
      "-eltorito-alt-boot", "-e", "efi.img", "-no-emul-boot", "-isohybrid-gpt-basdat",
      "-output", "/out/clone.iso.partial", "/w/tree",
    ]);
  });
});
