import { readFile } from "node:fs/promises";
import { SyscloneError } from "../errors/errors.js";
import { describeLayout } from "../layout/describe.js";
import { parseLayoutXml } from "../layout/xml.js";
import type { Command } from "./command.js";

export const layoutCheck: Command = {
  name: "layout check",
  summary: "validate a layout file and print what it describes",
  usage: "sysclone layout check FILE [--json]",
  description: "Reads a SystemImager autoinstallscript.conf layout and prints the disks, partitions, RAID, LVM and filesystems it describes, or refuses it with the line and what is wrong.",
  options: {},
  async run(args, deps) {
    const [file] = args.positionals;
    if (!file) throw new SyscloneError("USAGE", "layout check needs a file", { hint: `usage: ${layoutCheck.usage}` });
    const text = await readFile(file, "utf8").catch(() => {
      throw new SyscloneError("BAD_LAYOUT", `cannot read ${file}`, { hint: "give the path of a layout.xml or autoinstallscript.conf" });
    });
    const layout = parseLayoutXml(text);
    if (deps.out.json) deps.out.data({ valid: true, layout, description: describeLayout(layout) });
    else {
      deps.out.line(`${file}: valid`);
      for (const line of describeLayout(layout)) deps.out.line(line);
    }
    return 0;
  },
};
