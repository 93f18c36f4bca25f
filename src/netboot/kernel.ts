import { open, readdir } from "node:fs/promises";
import { SyscloneError } from "../errors/errors.js";
import { resolveInsideRoot, type InsidePath } from "../image/inside-root.js";

export interface KernelChoice {
  readonly kernel: string;
  readonly modules: string;
  readonly version: string;
}

/** The image's own kernel: its files resolved inside the image's root. */
export interface ImageKernel extends KernelChoice {
  readonly modulesDir: InsidePath;
}

/** Pure: among an image's kernels, the one it was running at capture, else the newest that has modules. */
export function chooseKernel(available: readonly { version: string; hasModules: boolean }[], running: string): string | undefined {
  const usable = available.filter((k) => k.hasModules).map((k) => k.version);
  if (usable.includes(running)) return running;
  return usable.sort((a, b) => a.localeCompare(b, "en", { numeric: true })).at(-1);
}

const at = (head: Buffer, offset: number, magic: string): boolean => head.subarray(offset, offset + magic.length).equals(Buffer.from(magic, "latin1"));

/**
 * Pure: whether a file's first bytes are a Linux kernel image: a PE/EFI stub ("MZ", x86's bzImage
 * and every EFI-stub kernel), x86's setup header ("HdrS" at 0x202), arm64's and riscv's Image
 * headers, or an ELF vmlinux (ppc64, s390).
 */
export function looksLikeKernel(head: Buffer): boolean {
  return at(head, 0, "MZ") || at(head, 0, "\x7fELF") || at(head, 0x202, "HdrS") || at(head, 0x38, "ARM\x64") || at(head, 0x30, "RSC\x05");
}

async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function modulesDir(root: string, version: string): Promise<InsidePath | undefined> {
  for (const candidate of [`/lib/modules/${version}`, `/usr/lib/modules/${version}`]) {
    const found = await resolveInsideRoot(root, candidate);
    if (found?.stats.isDirectory()) return found;
  }
  return undefined;
}

/**
 * The golden client's own kernel and modules, found in the image's tree. Every symlink is
 * followed inside the image (as if chrooted); one that leads out of it is refused, so no file of
 * this server can become the kernel served to anyone who asks.
 */
export async function kernelOfImage(root: string, running: string): Promise<ImageKernel> {
  const boot = await resolveInsideRoot(root, "/boot");
  const names = boot?.stats.isDirectory() ? await readdir(boot.hostPath) : [];
  const available: { version: string; hasModules: boolean }[] = [];
  for (const name of names.filter((n) => n.startsWith("vmlinuz-"))) {
    const version = name.slice("vmlinuz-".length);
    if (version.includes("/")) continue;
    available.push({ version, hasModules: (await modulesDir(root, version)) !== undefined });
  }
  const version = chooseKernel(available, running);
  const modules = version === undefined ? undefined : await modulesDir(root, version);
  if (version === undefined || modules === undefined) {
    throw new SyscloneError("NO_KERNEL", `the image has no kernel with modules (looked for boot/vmlinuz-* with lib/modules/<version> in ${root})`, {
      hint: "give one: sysclone initrd build IMAGE --kernel VMLINUZ --modules /lib/modules/VERSION",
    });
  }
  const wanted = `/boot/vmlinuz-${version}`;
  const kernel = await resolveInsideRoot(root, wanted);
  if (kernel === undefined || !kernel.stats.isFile() || !looksLikeKernel(await headOf(kernel.hostPath))) {
    throw new SyscloneError("NO_KERNEL", `${JSON.stringify(wanted)} in the image${kernel ? ` (${JSON.stringify(kernel.imagePath)})` : ""} is not a kernel image`, {
      hint: "fix boot/ in the golden client and capture again, or give one: sysclone initrd build IMAGE --kernel VMLINUZ --modules /lib/modules/VERSION",
    });
  }
  return { kernel: kernel.hostPath, modules: modules.hostPath, modulesDir: modules, version };
}
