import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentPath } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { run } from "../exec/runner.js";
import { MEDIA_PATHS, mediaKernelArgs, renderMediaConfigs, xorrisoArgs, type MediaSpec } from "./config.js";

/** Debian's isolinux and syslinux-common (scripts/setup.sh installs them). */
export const SYSLINUX_FILES = {
  isolinux: "/usr/lib/ISOLINUX/isolinux.bin",
  isohdpfx: "/usr/lib/ISOLINUX/isohdpfx.bin",
  ldlinux: "/usr/lib/syslinux/modules/bios/ldlinux.c32",
} as const;

export interface MediaBuild {
  readonly spec: Omit<MediaSpec, "marker">;
  readonly kernel: string;
  readonly initrd: string;
  /** The ISO to write; replaced whole, only once it is complete. */
  readonly output: string;
  readonly signal?: AbortSignal;
}

export interface MediaResult {
  readonly output: string;
  readonly bytes: number;
  readonly kernelArgs: string;
  readonly firmware: readonly ("bios" | "uefi")[];
}

async function must(what: string, command: string, args: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  const result = await run(command, args, signal ? { signal } : {});
  if (result.exitCode !== 0) {
    const output = `${result.stderrTail}${result.stdoutTail}`.trim().split("\n").slice(-3).join(" | ");
    throw new SyscloneError("MEDIA_BUILD_FAILED", `${what} failed (${command} exit ${result.exitCode ?? result.signal ?? "?"}): ${output}`, { hint: "run `npm run setup` if a tool is missing" });
  }
}

export function missingMediaTools(has: (file: string) => boolean = existsSync): string[] {
  const files = Object.values(SYSLINUX_FILES).filter((file) => !has(file));
  const tools = ["xorriso", "grub-mkstandalone", "mkfs.vfat", "mmd", "mcopy"].filter((tool) => !["/usr/bin", "/usr/sbin", "/sbin", "/bin"].some((dir) => has(path.join(dir, tool))));
  return [...tools, ...files];
}

/**
 * A hybrid ISO with the clone kernel and initrd: isolinux for BIOS, a grub-mkstandalone
 * BOOTX64.EFI in an El Torito EFI image for UEFI, and the same file bootable from a USB stick.
 */
export async function buildMedia(build: MediaBuild): Promise<MediaResult> {
  const missing = missingMediaTools();
  if (missing.length > 0) throw new SyscloneError("TOOL_MISSING", `building boot media needs ${missing.join(", ")}`, { hint: "run `npm run setup` (xorriso, isolinux, syslinux-common, grub-efi-amd64-bin, dosfstools, mtools)" });
  const spec: MediaSpec = { ...build.spec, marker: `media-${randomBytes(6).toString("hex")}` };
  const templates = {
    isolinux: await readFile(agentPath(path.join("media", "isolinux.cfg")), "utf8"),
    grub: await readFile(agentPath(path.join("media", "grub.cfg")), "utf8"),
  };
  const configs = renderMediaConfigs(templates, spec);
  const work = await mkdtemp(path.join(tmpdir(), "sysclone-media-"));
  const partial = `${build.output}.partial`;
  try {
    const tree = path.join(work, "tree");
    await mkdir(path.join(tree, "isolinux"), { recursive: true });
    await mkdir(path.join(tree, "sysclone"), { recursive: true });
    await mkdir(path.join(tree, "EFI", "BOOT"), { recursive: true });
    await copyFile(SYSLINUX_FILES.isolinux, path.join(tree, MEDIA_PATHS.isolinux));
    await copyFile(SYSLINUX_FILES.ldlinux, path.join(tree, "isolinux", "ldlinux.c32"));
    await writeFile(path.join(tree, "isolinux", "isolinux.cfg"), configs.isolinux);
    await copyFile(build.kernel, path.join(tree, MEDIA_PATHS.kernel));
    await copyFile(build.initrd, path.join(tree, MEDIA_PATHS.initrd));
    await writeFile(path.join(tree, "sysclone", spec.marker), `${configs.isolinux.split("\n")[0] ?? ""}\n`);

    const grubCfg = path.join(work, "grub.cfg");
    await writeFile(grubCfg, configs.grub);
    const efi = path.join(tree, "EFI", "BOOT", "BOOTX64.EFI");
    await must("the UEFI loader", "grub-mkstandalone", ["-O", "x86_64-efi", "--locales=", "--fonts=", "--themes=", "-o", efi, `boot/grub/grub.cfg=${grubCfg}`], build.signal);
    // The El Torito EFI image: a FAT filesystem holding the loader where UEFI firmware looks for it.
    const efiImage = path.join(tree, MEDIA_PATHS.efiImage);
    const kib = Math.ceil((await stat(efi)).size / 1024) + 512;
    await must("the EFI image", "mkfs.vfat", ["-C", "-n", "SYSCLONE", efiImage, String(kib)], build.signal);
    await must("the EFI image's directories", "mmd", ["-i", efiImage, "::/EFI", "::/EFI/BOOT"], build.signal);
    await must("the EFI image's loader", "mcopy", ["-i", efiImage, efi, "::/EFI/BOOT/BOOTX64.EFI"], build.signal);

    await rm(partial, { force: true });
    await must("the ISO", "xorriso", xorrisoArgs(tree, partial, SYSLINUX_FILES.isohdpfx), build.signal);
    await rename(partial, build.output);
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
  return { output: build.output, bytes: (await stat(build.output)).size, kernelArgs: mediaKernelArgs(spec), firmware: ["bios", "uefi"] };
}
