import { readFile } from "node:fs/promises";
import { SyscloneError } from "../errors/errors.js";
import type { Inventory } from "../plan/model.js";
import { describePlan } from "../plan/describe.js";
import { dryRunPlan } from "../plan/dry-run.js";
import { renderPlan } from "../plan/render.js";
import { stringList, stringValue, type Command } from "./command.js";

const units: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** "20G" (GiB), "500GB" (decimal), "1073741824" (bytes). */
export function parseDiskSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]B?|)$/i.exec(text.trim());
  const unit = match ? units[(match[2] ?? "").toUpperCase()] : undefined;
  if (!match || unit === undefined) throw new SyscloneError("USAGE", `disk size "${text}" is not understood`, { hint: "write e.g. 20G (GiB), 500GB (decimal) or a number of bytes" });
  return Math.floor(Number(match[1]) * unit);
}

export const plan: Command = {
  name: "plan",
  summary: "show exactly what a clone will do to a node's disks, or why it refuses (touches nothing)",
  usage: "sysclone plan NODE (--disk-size SIZE[,SIZE…] | --inventory FILE | the node's last reported inventory) [--firmware uefi|bios] [--osimage NAME] [--script] [--json]",
  description: "The plan is what the install would run: golden disks mapped to the node's disks, partitions, RAID, LVM, filesystems, fstab. A disk too small, too few disks or unmet hardware requirements are refused, with the sizes, before anything is written.",
  optionHelp: { "disk-size": "the node's disk sizes, e.g. 20G or 500G,500G", inventory: "an inventory file (JSON, as the initrd reports it)", firmware: "uefi or bios (default: the inventory's)", osimage: "plan for this osimage instead of the node's", script: "print the sh script the node would run" },
  options: {
    "disk-size": { type: "string", multiple: true },
    inventory: { type: "string" },
    firmware: { type: "string" },
    osimage: { type: "string" },
    script: { type: "boolean" },
  },
  examples: ["sysclone plan n01 --disk-size 20G", "sysclone plan n01 --disk-size 500G,500G --script"],
  async run(args, deps) {
    const [node, ...extra] = args.positionals;
    if (!node || extra.length > 0) throw new SyscloneError("USAGE", "plan takes exactly one node", { hint: `usage: ${plan.usage}` });
    const store = deps.store();
    const firmware = stringValue(args, "firmware") ?? "uefi";
    if (firmware !== "uefi" && firmware !== "bios") throw new SyscloneError("USAGE", `--firmware ${firmware}: say uefi or bios`);
    const sizes = stringList(args, "disk-size").flatMap((s) => s.split(",")).map(parseDiskSize);
    const inventoryFile = stringValue(args, "inventory");
    let inventory: Inventory | undefined;
    if (sizes.length > 0) {
      inventory = { disks: sizes.map((sizeBytes, i) => ({ name: `sd${String.fromCharCode(97 + i)}`, sizeBytes })), nics: [], firmware };
    } else if (inventoryFile !== undefined) {
      inventory = JSON.parse(await readFile(inventoryFile, "utf8")) as Inventory;
    }
    const osimage = stringValue(args, "osimage");
    const result = await dryRunPlan({ store, repository: deps.repository, overridesDir: deps.home.overrides }, node, { ...(inventory ? { inventory } : {}), ...(osimage !== undefined ? { osimage } : {}) });
    if (deps.out.json) deps.out.data(result);
    else if (args.values["script"] === true) deps.out.line(renderPlan(result).trimEnd());
    else for (const line of describePlan(result)) deps.out.line(line);
    return 0;
  },
};
