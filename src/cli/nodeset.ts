import { parseNodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { describeNextBoot, nodesetDeps, setNextBoot } from "../nodes/nodeset.js";
import { auditedChange, localRoot } from "../audit/record.js";
import { rootPrincipal } from "../auth/policy.js";
import { authorizeNodes } from "../auth/scope.js";
import type { Command } from "./command.js";

export const nodeset: Command = {
  name: "nodeset",
  summary: "set what nodes get on their next boot: an install of an osimage (optionally after wiping the disks), the local disk, or a maintenance shell",
  usage: "nodeset NODERANGE osimage=NAME|install|boot|shell|wipe,osimage=NAME [--force] [--json]",
  options: { force: { type: "boolean" } },
  examples: ["nodeset compute osimage=rocky9", "nodeset n[01-04] boot", "nodeset n07 shell", "nodeset n07 wipe,osimage=rocky9", "nodeset db01 osimage=rocky9 --force   # db01 is protected=yes"],
  run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "nodeset takes a noderange and one action", { hint: `usage: ${nodeset.usage}` });
    const action = parseNodesetAction(actionText);
    const store = deps.store();
    const force = args.values["force"] === true;
    // Root at the server's shell is an admin: a protected node (protected=yes) needs --force; every change is audited.
    const check = (nodes: readonly string[]): void => void authorizeNodes(store, rootPrincipal, action.destiny === "boot" ? "boot" : "nodeset", nodes, { force, confirm: nodes.length });
    const results = auditedChange(store, localRoot, "nodeset", () => setNextBoot(nodesetDeps(store), { noderange: range, action, check }), ["node"]);
    if (deps.out.json) deps.out.data(results.map((r) => ({ node: r.node, destiny: describeNextBoot(r) })));
    else for (const r of results) deps.out.line(`${r.node}: ${describeNextBoot(r)}`);
    return Promise.resolve(0);
  },
};
