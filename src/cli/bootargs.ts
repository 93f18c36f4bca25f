import { SyscloneError } from "../errors/errors.js";
import { issueInstallToken } from "../install/tokens.js";
import { osimageOf } from "../install/resolve.js";
import { stringValue, type Command } from "./command.js";

export const bootargs: Command = {
  name: "bootargs",
  summary: "issue a node a fresh install token and print the clone kernel's command line",
  usage: "sysclone bootargs NODE [--url http://SERVER:PORT] [--json]",
  description: "The kernel command line carries the server's URL, the node's name and a per-boot install token, for booting the clone kernel and initrd by hand (qemu -append, a boot loader entry) where there is no PXE.",
  optionHelp: { url: "the server's URL as the node reaches it (default: the one sysclone serve last recorded)" },
  options: { url: { type: "string" } },
  examples: ["qemu-system-x86_64 -kernel vmlinuz -initrd initrd.img -append \"console=ttyS0 $(sysclone bootargs n01)\""],
  run(args, deps) {
    const [node, ...extra] = args.positionals;
    if (!node || extra.length > 0) throw new SyscloneError("USAGE", "bootargs takes exactly one node", { hint: `usage: ${bootargs.usage}` });
    const store = deps.store();
    const url = stringValue(args, "url") ?? store.setting("server_url");
    if (!url) throw new SyscloneError("USAGE", "no server URL known", { hint: "start `sysclone serve` once, or pass --url http://SERVER:PORT" });
    osimageOf(store, node);
    const token = issueInstallToken(store, node);
    const line = `sysclone.server=${url} sysclone.node=${node} sysclone.token=${token}`;
    if (deps.out.json) deps.out.data({ node, server: url, token, cmdline: line });
    else deps.out.line(line);
    return Promise.resolve(0);
  },
};
