import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "../image/names.js";
import type { Command } from "./command.js";
import { formatBytes } from "./output.js";

export const lsimage: Command = {
  name: "lsimage",
  summary: "list osimages and their versions",
  usage: "lsimage [OSIMAGE…] [--json]",
  description: "Shows each osimage's versions with their size, file count, new bytes, source node, capture time and kernel, and which one is current. Only versions whose files are in images/ are listed.",
  options: {},
  async run(args, deps) {
    const store = deps.store();
    const names = args.positionals.length > 0 ? args.positionals.map(checkImageName) : store.listNames("osimage");
    const rows = [];
    for (const name of names) {
      const attributes = store.getObject("osimage", name);
      if (!attributes) throw new SyscloneError("UNKNOWN_OBJECT", `no osimage named "${name}"`, { hint: "lsimage with no argument lists them all" });
      // Only versions whose files are there: a removal or a capture killed half-way never shows.
      const onDisk = new Set(await deps.repository.versions(name));
      const current = await deps.repository.currentVersion(name);
      rows.push({ name, current: current ?? 0, versions: store.imageVersions(name).filter((v) => onDisk.has(v.version)) });
    }
    if (deps.out.json) {
      deps.out.data(rows);
      return 0;
    }
    if (rows.length === 0) deps.out.line("no osimages yet: capture one with imgcapture NODE -t sysclone -o NAME");
    for (const row of rows) {
      deps.out.line(`${row.name}`);
      for (const v of row.versions) {
        const mark = v.version === row.current ? "*" : " ";
        deps.out.line(
          `  ${mark} v${v.version}  ${v.capturedAt}  from ${v.sourceNode}  ${formatBytes(v.sizeBytes)}  ${v.fileCount} entries  ${formatBytes(v.newBytes)} new${v.kernel ? `  kernel ${v.kernel}` : ""}`,
        );
      }
    }
    return 0;
  },
};
