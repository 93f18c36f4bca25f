import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";
import type { PlannedTemplate } from "../plan/model.js";
import { TEMPLATE_SUFFIX, renderTemplate, type TemplateContext } from "./render.js";

/** One template of an override rendered for one node: where it lands (relative to /, no suffix), its text, the template's mode and owner. */
export type RenderedTemplate = PlannedTemplate;

/** A rendered file travels inside the signed plan: keep it to configuration-sized text. */
export const MAX_TEMPLATE_BYTES = 256 * 1024;

/** Relative paths of the `*.tmpl` regular files under an override directory (symbolic links not followed), sorted. */
export async function findTemplates(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && entry.name.endsWith(TEMPLATE_SUFFIX) && entry.name.length > TEMPLATE_SUFFIX.length) found.push(child);
    }
  };
  await walk("");
  return found.sort();
}

/** Renders every template of one override directory for a node; `label` names the directory in refusals (overrides/NAME). */
export async function renderOverrideTemplates(dir: string, label: string, context: TemplateContext): Promise<RenderedTemplate[]> {
  const out: RenderedTemplate[] = [];
  for (const relative of await findTemplates(dir)) {
    const file = path.join(dir, relative);
    const shown = `${label}/${relative}`;
    const info = await lstat(file);
    if (info.size > MAX_TEMPLATE_BYTES) throw new SyscloneError("BAD_TEMPLATE", `${shown}: ${info.size} bytes is more than a template may hold (${MAX_TEMPLATE_BYTES})`, { hint: "ship a large file as a plain override file" });
    const bytes = await readFile(file);
    if (bytes.includes(0)) throw new SyscloneError("BAD_TEMPLATE", `${shown}: holds a NUL byte; templates are text`, { hint: "ship binary files as plain override files (without .tmpl)" });
    const text = bytes.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(bytes)) throw new SyscloneError("BAD_TEMPLATE", `${shown}: is not UTF-8 text`, { hint: "save the template as UTF-8" });
    out.push({ path: relative.slice(0, -TEMPLATE_SUFFIX.length), content: renderTemplate(text, context, shown), mode: info.mode & 0o7777, uid: info.uid, gid: info.gid });
  }
  return out;
}
