import { parseNodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { describeNextBoot } from "../nodes/nodeset.js";
import { stringValue, type Command } from "./command.js";
import { backendOf } from "./local-backend.js";

export const nodeset: Command = {
  name: "nodeset",
  summary: "set what nodes get on their next boot: an install of an osimage (optionally after wiping the disks), the local disk, or a maintenance shell",
  usage: "nodeset NODERANGE osimage=NAME|install|boot|shell|wipe,osimage=NAME [--force] [--confirm N] [--json]",
  description: "osimage=NAME (or install, with the node's osimage) makes the next network boot install that image; wipe,osimage=NAME erases the disks first; boot boots the local disk; shell boots the clone initrd to a maintenance shell. Protected nodes and groups (protected=yes) need --force; through the API, more than 50 nodes need --confirm with their count. Audited.",
  optionHelp: { force: "also nodes and groups marked protected=yes (an admin only)", confirm: "the number of nodes, required above 50 through the API" },
  options: { force: { type: "boolean" }, confirm: { type: "string" } },
  examples: [
    "nodeset compute osimage=rocky9",
    "nodeset n[01-04] boot",
    "nodeset n07 shell",
    "nodeset n07 wipe,osimage=rocky9",
    "nodeset db01 osimage=rocky9 --force   # db01 is protected=yes",
    "nodeset compute boot --confirm 64     # through the API (SYSCLONE_URL), more than 50 nodes need their count",
  ],
  remote: true,
  async run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "nodeset takes a noderange and one action", { hint: `usage: ${nodeset.usage}` });
    const action = parseNodesetAction(actionText);
    const confirmText = stringValue(args, "confirm");
    if (confirmText !== undefined && !/^\d{1,7}$/.test(confirmText)) throw new SyscloneError("USAGE", `--confirm ${JSON.stringify(confirmText.slice(0, 40))} is not a count of nodes`, { hint: "give the number of nodes the noderange selects, e.g. --confirm 64" });
    // At the server's shell root is an admin: a protected node (protected=yes) needs --force. Through the API the
    // user's role and scope decide. Either way all nodes or none change, and the change is audited.
    const results = await backendOf(deps).setNextBoot({ noderange: range, actionText, action, force: args.values["force"] === true, confirm: confirmText === undefined ? undefined : Number(confirmText) });
    if (deps.out.json) deps.out.data(results.map((r) => ({ node: r.node, destiny: describeNextBoot(r) })));
    else for (const r of results) deps.out.line(`${r.node}: ${describeNextBoot(r)}`);
    return 0;
  },
};
