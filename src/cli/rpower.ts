import { localRoot } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { parsePowerAction, powerActions } from "../power/actions.js";
import { rpower as rpowerNodes } from "../power/power.js";
import type { Command } from "./command.js";
import { bmcFanoutHelp, bmcFanoutOf, bmcFanoutOptions, finishFleet, reportLine } from "./bmc-options.js";

export const rpower: Command = {
  name: "rpower",
  summary: "power nodes on, off, reset or cycle them, or read their power state, through their BMCs (IPMI)",
  usage: `rpower NODERANGE ${powerActions.join("|")} [--fanout N] [--wave N --interval S] [--json]`,
  options: bmcFanoutOptions,
  optionHelp: bmcFanoutHelp,
  description: "Each node's BMC is reached with ipmitool over IPMI 2.0 (lanplus) at its bmc address, as bmcusername with bmcpassword (given to ipmitool through its environment, never on a command line). boot powers a node on when it is off and resets it when it is on; softoff asks the operating system to shut down. Each node answers on its own line and fails alone; the exit status is 1 when any failed.",
  examples: ["rpower n[01-04] stat", "rpower rack1 on --wave 20 --interval 30", "rpower n07 boot"],
  async run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "rpower takes a noderange and one action", { hint: `usage: ${rpower.usage}` });
    const action = parsePowerAction(actionText);
    const fanout = bmcFanoutOf(args);
    const result = await rpowerNodes({ store: deps.store(), actor: localRoot, signal: deps.signal, report: reportLine(deps) }, { noderange: range, action, ...fanout });
    return finishFleet(deps, result);
  },
};
