import { parseNodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { describeNextBoot, nodesetDeps, setNextBoot } from "../nodes/nodeset.js";
import type { Command } from "./command.js";

export const nodeset: Command = {
  name: "nodeset",
  summary: "set what nodes get on their next boot: an install of an osimage (optionally after wiping the disks), the local disk, or a maintenance shell",
  usage: "nodeset NODERANGE osimage=NAME|install|boot|shell|wipe,osimage=NAME [--json]",
  options: {},
  examples: ["nodeset compute osimage=rocky9", "nodeset n[01-04] boot", "nodeset n07 shell", "nodeset n07 wipe,osimage=rocky9"],
  run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "nodeset takes a noderange and one action", { hint: `usage: ${nodeset.usage}` });
    const action = parseNodesetAction(actionText);
    const results = setNextBoot(nodesetDeps(deps.store()), { noderange: range, action });
    if (deps.out.json) deps.out.data(results.map((r) => ({ node: r.node, destiny: describeNextBoot(r) })));
    else for (const r of results) deps.out.line(`${r.node}: ${describeNextBoot(r)}`);
    return Promise.resolve(0);
  },
};
