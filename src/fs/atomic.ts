import { chmod, rename, writeFile } from "node:fs/promises";

/** Replace a file so that readers see the old content or the new, never a half-written one. */
export async function writeFileAtomically(file: string, text: string, mode = 0o644): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode });
  await chmod(temporary, mode);
  await rename(temporary, file);
}
