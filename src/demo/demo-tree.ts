import { cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** A small but real system tree (the benchmarks' golden client): copied from this machine. */
export async function populateDemoTree(root: string): Promise<void> {
  for (const dir of ["etc", "usr/share/doc", "usr/bin", "usr/lib/os-release"]) {
    const target = path.join(root, dir);
    await mkdir(path.dirname(target), { recursive: true });
    await cp(`/${dir}`, target, { recursive: true, verbatimSymlinks: true, force: true, errorOnExist: false, preserveTimestamps: true }).catch(() => undefined);
  }
  for (const dir of ["proc", "sys", "dev", "run", "tmp", "var/log", "var/lib", "home/demo", "boot"]) await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, "home", "demo", "README"), "This tree was captured from the sysclone demo golden client.\n");
}
