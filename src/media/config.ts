/** Boot media: the bootloaders' configurations and xorriso's arguments. Pure. */
import { renderTemplate } from "../boot/template.js";
import { cloneKernelArgs, type StaticNetwork } from "../netboot/clone-args.js";

export interface MediaSpec {
  readonly osimage: string;
  /** The image version whose clone initrd the media carries (netboot.json), for the label. */
  readonly version?: number;
  /** The server the initrd asks, http://HOST:PORT. */
  readonly server: string;
  /** --node: the machine must be this node to the server. */
  readonly node?: string;
  /** --ip/--gw: no DHCP on the site. */
  readonly network?: StaticNetwork;
  /** The file name in /sysclone/ that grub searches for to find this medium among the machine's disks. */
  readonly marker: string;
}

/** Where the files land on the medium (the templates' paths). */
export const MEDIA_PATHS = { kernel: "sysclone/kernel", initrd: "sysclone/initrd.img", isolinux: "isolinux/isolinux.bin", catalog: "isolinux/boot.cat", efiImage: "efi.img" } as const;

/** The clone initrd's command line on the medium: no token; /boot gives one. */
export function mediaKernelArgs(spec: MediaSpec): string {
  return cloneKernelArgs({ server: spec.server, ...(spec.node !== undefined ? { node: spec.node } : {}), ...(spec.network ? { network: spec.network } : {}), media: true, onfail: "shell" });
}

export function mediaLabel(spec: MediaSpec): string {
  return `osimage ${spec.osimage}${spec.version !== undefined ? ` v${spec.version}` : ""}, server ${spec.server}${spec.node !== undefined ? `, node ${spec.node}` : ""}`;
}

/** isolinux.cfg (BIOS) and the grub.cfg embedded in BOOTX64.EFI (UEFI), from agent/media's templates. */
export function renderMediaConfigs(templates: { readonly isolinux: string; readonly grub: string }, spec: MediaSpec): { isolinux: string; grub: string } {
  const data = { args: mediaKernelArgs(spec), label: mediaLabel(spec), marker: spec.marker };
  return { isolinux: renderTemplate(templates.isolinux, data), grub: renderTemplate(templates.grub, data) };
}

/**
 * xorriso's arguments for a hybrid ISO: El Torito for BIOS (isolinux, with isohdpfx's MBR so the
 * same file boots from a USB stick) and for UEFI (a FAT image holding EFI/BOOT/BOOTX64.EFI, also
 * exposed as a GPT partition on a stick).
 */
export function xorrisoArgs(tree: string, output: string, isohdpfx: string): string[] {
  return [
    "-as", "mkisofs", "-quiet", "-iso-level", "3", "-full-iso9660-filenames", "-joliet", "-rational-rock", "-volid", "SYSCLONE",
    "-eltorito-boot", MEDIA_PATHS.isolinux, "-eltorito-catalog", MEDIA_PATHS.catalog, "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
    "-isohybrid-mbr", isohdpfx,
    "-eltorito-alt-boot", "-e", MEDIA_PATHS.efiImage, "-no-emul-boot", "-isohybrid-gpt-basdat",
    "-output", output, tree,
  ];
}
