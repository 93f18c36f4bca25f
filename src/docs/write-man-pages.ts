// Entry point: `node dist/src/docs/write-man-pages.js OUTDIR` writes OUTDIR/NAME.1 for every command
// and sysclone.1 (plain roff, section 1; the package build compresses them).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCommands } from "../cli/catalog.js";
import { syscloneVersion } from "../config/version.js";
import { manDate, manPages } from "./man-pages.js";

const [outDir, ...extra] = process.argv.slice(2);
if (outDir === undefined || extra.length > 0) {
  process.stderr.write("usage: node dist/src/docs/write-man-pages.js OUTDIR\n");
  process.exit(2);
}
const pages = manPages(await loadCommands(), { version: syscloneVersion(), date: manDate(process.env["SOURCE_DATE_EPOCH"], new Date()) });
mkdirSync(outDir, { recursive: true });
for (const page of pages) writeFileSync(path.join(outDir, page.file), page.text, { mode: 0o644 });
process.stdout.write(`wrote ${pages.length} man pages to ${outDir}\n`);
