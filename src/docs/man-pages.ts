import type { Command } from "../cli/command.js";
import { SyscloneError } from "../errors/errors.js";
import { commandDoc } from "./command-doc.js";
import { renderIndexPage, renderManPage, type ManMeta } from "./man.js";

/** Every page, file name and text: one per command and sysclone(1) listing them all. */
export function manPages(commands: readonly Command[], meta: ManMeta): { file: string; text: string }[] {
  const docs = commands.map(commandDoc).sort((a, b) => a.page.localeCompare(b.page));
  const pages = docs.map((doc) => ({ file: `${doc.page}.1`, text: renderManPage(doc, meta) }));
  pages.push({ file: "sysclone.1", text: renderIndexPage(docs, meta) });
  const seen = new Set<string>();
  for (const page of pages) {
    if (seen.has(page.file)) throw new SyscloneError("INTERNAL", `two commands would write the man page ${page.file}`, { hint: "give one of them another name" });
    seen.add(page.file);
  }
  return pages;
}

/** The page date: SOURCE_DATE_EPOCH (seconds) when a reproducible build sets it, else today. */
export function manDate(sourceDateEpoch: string | undefined, now: Date): string {
  const date = sourceDateEpoch !== undefined && /^\d+$/.test(sourceDateEpoch) ? new Date(Number(sourceDateEpoch) * 1000) : now;
  return date.toISOString().slice(0, 10);
}
