import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";

export interface KernelChoice {
  readonly kernel: string;
  readonly modules: string;
  readonly version: string;
}

/** Pure: among an image's kernels, the one it was running at capture, else the newest that has modules. */
export function chooseKernel(available: readonly { version: string; hasModules: boolean }[], running: string): string | undefined {
  const usable = available.filter((k) => k.hasModules).map((k) => k.version);
  if (usable.includes(running)) return running;
  return usable.sort((a, b) => a.localeCompare(b, "en", { numeric: true })).at(-1);
}

function modulesDir(root: string, version: string): string | undefined {
  return [path.join(root, "lib", "modules", version), path.join(root, "usr", "lib", "modules", version)].find((dir) => existsSync(dir));
}

/** The golden client's own kernel and modules, found in the image's tree. */
export async function kernelOfImage(root: string, running: string): Promise<KernelChoice> {
  const names = await readdir(path.join(root, "boot")).catch(() => [] as string[]);
  const available = names.filter((n) => n.startsWith("vmlinuz-")).map((n) => {
    const version = n.slice("vmlinuz-".length);
    return { version, hasModules: modulesDir(root, version) !== undefined };
  });
  const version = chooseKernel(available, running);
  if (version === undefined) {
    throw new SyscloneError("NO_KERNEL", `the image has no kernel with modules (looked for boot/vmlinuz-* with lib/modules/<version> in ${root})`, {
      hint: "give one: sysclone initrd build IMAGE --kernel VMLINUZ --modules /lib/modules/VERSION",
    });
  }
  return { kernel: path.join(root, "boot", `vmlinuz-${version}`), modules: modulesDir(root, version) ?? "", version };
}
