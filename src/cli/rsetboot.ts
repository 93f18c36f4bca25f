import { localRoot } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { bootDevices, parseBootDeviceAction } from "../power/actions.js";
import { rsetboot as rsetbootNodes } from "../power/power.js";
import type { Command } from "./command.js";
import { bmcFanoutHelp, bmcFanoutOf, bmcFanoutOptions, finishFleet, reportLine } from "./bmc-options.js";

export const rsetboot: Command = {
  name: "rsetboot",
  summary: "set the device nodes boot from next (net, hd, cd, setup), or read it, through their BMCs",
  usage: `rsetboot NODERANGE ${bootDevices.join("|")} [-p] [--fanout N] [--json]`,
  options: { ...bmcFanoutOptions, persistent: { type: "boolean", short: "p" } },
  optionHelp: { ...bmcFanoutHelp, persistent: "for every boot from now on, not only the next one" },
  description: "Without -p the device is for the next boot only, as BMCs do it. rsetboot does not power the node: rpower boot (or rinstall) does.",
  examples: ["rsetboot n07 net", "rsetboot compute hd -p", "rsetboot n[01-04] stat"],
  async run(args, deps) {
    const [range, deviceText, ...extra] = args.positionals;
    if (!range || !deviceText || extra.length > 0) throw new SyscloneError("USAGE", "rsetboot takes a noderange and one boot device", { hint: `usage: ${rsetboot.usage}` });
    const device = parseBootDeviceAction(deviceText);
    const persistent = args.values["persistent"] === true;
    if (device === "stat" && persistent) throw new SyscloneError("USAGE", "rsetboot stat reads the boot device; -p goes with a device", { hint: "rsetboot NODERANGE hd -p" });
    const result = await rsetbootNodes({ store: deps.store(), actor: localRoot, signal: deps.signal, report: reportLine(deps) }, { noderange: range, device, persistent, ...bmcFanoutOf(args) });
    return finishFleet(deps, result);
  },
};
