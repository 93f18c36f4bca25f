import { localRoot } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { rinstallThroughBmc } from "../power/rinstall.js";
import { parseNodesetAction } from "../boot/destiny.js";
import type { Command } from "./command.js";
import { kexecHelp, kexecOptions, rinstallKexec } from "./rinstall-kexec.js";
import { bmcFanoutHelp, bmcFanoutOf, bmcFanoutOptions, finishFleet, reportLine } from "./bmc-options.js";

export const rinstall: Command = {
  name: "rinstall",
  summary: "reinstall nodes with an osimage: nodeset, a one-time network boot and a power cycle through their BMCs",
  usage: "rinstall NODERANGE osimage=NAME[@N]|wipe,osimage=NAME [--force] [--fanout N] [--wave N --interval S] [--json] | rinstall NODERANGE osimage=NAME --kexec [--via grub] [--fanout N] [--timeout S] [--json]",
  options: { ...bmcFanoutOptions, ...kexecOptions, force: { type: "boolean" } },
  optionHelp: { ...bmcFanoutHelp, ...kexecHelp, force: "reinstall protected nodes (protected=yes) too" },
  description:
    "What an administrator would type as nodeset NODERANGE osimage=NAME; rsetboot NODERANGE net; rpower NODERANGE boot: the next boot installs the image, the BMC boots the network once, and the node is powered on (or reset when it runs). After the clone the node boots its own disk. While it installs, serve records its serial console to var/logs/NODE/console.log.\n\nWith --kexec, running nodes need no BMC and no PXE: over SSH with each node's pinned host key, the osimage's clone kernel and initrd and a command line with a fresh single-boot token are copied to the node, which kexecs into them (where kexec is missing, a one-time grub entry and a reboot; --via grub chooses it). The clone then runs as after a PXE boot and the node comes back on its own disk.",
  examples: ["rinstall n07 osimage=rocky9", "rinstall rack1 osimage=rocky9@3 --wave 20 --interval 60", "rinstall n07 osimage=rocky9 --kexec   # a running node, over SSH: no PXE, no BMC"],
  async run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "rinstall takes a noderange and osimage=NAME", { hint: `usage: ${rinstall.usage}` });
    if (args.values["kexec"] === true) return rinstallKexec(range, parseNodesetAction(actionText), args, deps);
    const result = await rinstallThroughBmc(
      { store: deps.store(), actor: localRoot, signal: deps.signal, report: reportLine(deps) },
      { noderange: range, actionText, force: args.values["force"] === true, ...bmcFanoutOf(args) },
    );
    return finishFleet(deps, result);
  },
};
