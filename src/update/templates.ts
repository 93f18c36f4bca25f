import { chown, chmod, lstat, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PlannedTemplate } from "../plan/model.js";
import { TEMPLATE_SUFFIX } from "../template/render.js";

/**
 * updatenode -F: an override's rendered templates laid out in a private directory that rsync can
 * push to / like the override itself. Each directory takes the mode, owner and times of the same
 * directory in the override (pushing the override sets them on the node anyway), each file the
 * template's. The caller removes the directory.
 */
export async function stageTemplates(overrideDir: string, templates: readonly PlannedTemplate[]): Promise<string> {
  const staged = await mkdtemp(path.join(tmpdir(), "sysclone-templates-"));
  try {
    const directories = new Set<string>([""]);
    for (const t of templates) for (let dir = path.posix.dirname(t.path); dir !== "." && dir !== ""; dir = path.posix.dirname(dir)) directories.add(dir);
    for (const dir of [...directories].sort()) await mkdir(path.join(staged, dir), { recursive: true });
    for (const t of templates) {
      const file = path.join(staged, t.path);
      const source = await lstat(path.join(overrideDir, `${t.path}${TEMPLATE_SUFFIX}`));
      await writeFile(file, t.content);
      await chown(file, t.uid, t.gid);
      await chmod(file, t.mode);
      await utimes(file, source.atime, source.mtime);
    }
    // Deepest first, so setting a parent's times is not undone by writing into it.
    for (const dir of [...directories].sort().reverse()) {
      const mirror = await lstat(path.join(overrideDir, dir));
      const at = path.join(staged, dir);
      await chown(at, mirror.uid, mirror.gid);
      await chmod(at, mirror.mode & 0o7777);
      await utimes(at, mirror.atime, mirror.mtime);
    }
    return staged;
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

/** Override files as they land on a node: a template under its rendered name. Pure. */
export function landedOverrideFiles(files: readonly string[]): string[] {
  return files.map((file) => (file.endsWith(TEMPLATE_SUFFIX) && !file.endsWith(`/${TEMPLATE_SUFFIX}`) && file !== TEMPLATE_SUFFIX ? file.slice(0, -TEMPLATE_SUFFIX.length) : file));
}
