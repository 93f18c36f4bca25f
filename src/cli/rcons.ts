import { SyscloneError } from "../errors/errors.js";
import { isValidNodeName } from "../noderange/noderange.js";
import { quoteInput } from "../objects/quote.js";
import { CONSOLE_ESCAPE, openConsole } from "../power/console.js";
import { ipmitoolCommand } from "../power/ipmitool.js";
import { bmcTargetOf } from "../power/target.js";
import type { Command } from "./command.js";

export const rcons: Command = {
  name: "rcons",
  summary: `open a node's serial console over IPMI Serial-over-LAN (type ${CONSOLE_ESCAPE} at the start of a line to leave)`,
  usage: "rcons NODE [-f]",
  options: { force: { type: "boolean", short: "f" } },
  optionHelp: { force: "take the console over from whoever holds it (serve's recorder while the node installs, another rcons)" },
  description: `The console is interactive: what you type goes to the node. ${CONSOLE_ESCAPE} (tilde, dot) at the start of a line leaves; ~~ sends a tilde; ~? lists ipmitool's other escapes. A BMC serves one console at a time: while serve records an installing node's console, rcons -f takes it over (the recorder picks it up again when you leave).`,
  examples: ["rcons n07", "rcons n07 -f"],
  async run(args, deps) {
    const [node, ...extra] = args.positionals;
    if (!node || extra.length > 0) throw new SyscloneError("USAGE", "rcons takes one node", { hint: `usage: ${rcons.usage}` });
    if (!isValidNodeName(node)) throw new SyscloneError("BAD_NAME", `${quoteInput(node)} is not a node name`, { hint: `usage: ${rcons.usage}` });
    const target = bmcTargetOf(deps.store(), node);
    if (process.stdin.isTTY) process.stderr.write(`[console of ${node}: ${CONSOLE_ESCAPE} to leave]\n`);
    const status = await openConsole(target, ipmitoolCommand(target, { signal: deps.signal }), { force: args.values["force"] === true, signal: deps.signal });
    if (status !== 0) throw new SyscloneError("BMC_COMMAND_FAILED", `the console of ${node} ended with status ${status}`, { hint: `if the console is in use, rcons ${node} -f takes it over` });
    return 0;
  },
};
