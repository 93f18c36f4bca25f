import { readFile } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "../image/names.js";
import { buildMedia } from "../media/build.js";
import { parseServerUrl, parseStaticNetwork } from "../netboot/clone-args.js";
import { cloneFilesOf } from "../reinstall/kexec.js";
import { stringValue, type Command } from "./command.js";

export const mediaBuild: Command = {
  name: "media build",
  summary: "write a hybrid ISO (BIOS and UEFI, CD or USB stick) that boots the clone initrd for machines without PXE",
  usage: "sysclone media build OSIMAGE -o FILE.iso [--node NAME] [--ip ADDR/PREFIX [--gw GW]] [--server http://HOST:PORT] [--json]",
  options: { output: { type: "string", short: "o" }, node: { type: "string" }, ip: { type: "string" }, gw: { type: "string" }, server: { type: "string" } },
  description: [
    "The ISO holds OSIMAGE's clone kernel and initrd (sysclone initrd build OSIMAGE) and the server's address. A machine booted from it brings up its network (DHCP, or --ip/--gw), sends its MACs, DMI UUID and serial to the server's /boot as iPXE does, and does what the answer says: an install gets a fresh single-boot token and clones, an unknown machine is recorded as discovered-<mac> and asks again every 30 s, a node with nothing to install is told to remove the media.",
    "With --node NAME the machine must be NAME to the server by its recorded MAC, UUID or serial: the name on the media is checked, never trusted. A machine the server does not know is discovered as usual, and the console says how to make it NAME (chdef NAME mac=…).",
    "Write it to a USB stick as it is: dd if=FILE.iso of=/dev/sdX bs=4M conv=fsync.",
  ].join("\n\n"),
  optionHelp: {
    output: "the ISO file to write (replaced only once complete)",
    node: "the node this media is for (checked against the server's answer)",
    ip: "a static address for sites without DHCP, ADDR/PREFIX",
    gw: "the default gateway with --ip",
    server: "the server's URL as the machine reaches it (default: the one sysclone serve recorded)",
  },
  examples: [
    "sysclone media build rocky9 -o clone.iso",
    "sysclone media build rocky9 -o n07.iso --node n07 --ip 10.0.0.57/24 --gw 10.0.0.1",
    "sysclone media build rocky9 -o clone.iso --server http://10.0.0.1:8080 && dd if=clone.iso of=/dev/sdX bs=4M conv=fsync",
  ],
  async run(args, deps) {
    const [osimage, ...extra] = args.positionals;
    if (!osimage || extra.length > 0) throw new SyscloneError("USAGE", "media build takes exactly one osimage", { hint: `usage: ${mediaBuild.usage}` });
    const output = stringValue(args, "output");
    if (output === undefined) throw new SyscloneError("USAGE", "media build needs -o FILE.iso", { hint: `usage: ${mediaBuild.usage}` });
    checkImageName(osimage);
    const ip = stringValue(args, "ip");
    const gw = stringValue(args, "gw");
    if (gw !== undefined && ip === undefined) throw new SyscloneError("USAGE", "--gw goes with --ip", { hint: "give the address too: --ip ADDR/PREFIX --gw GW" });
    const network = ip === undefined ? undefined : parseStaticNetwork(ip, gw);
    const store = deps.store();
    store.requireObject("osimage", osimage);
    const node = stringValue(args, "node");
    if (node !== undefined) store.requireObject("node", node);
    const serverText = stringValue(args, "server") ?? store.setting("server_url");
    if (!serverText) throw new SyscloneError("USAGE", "no server URL known", { hint: "start `sysclone serve` once, or pass --server http://SERVER:PORT" });
    const server = parseServerUrl(serverText);
    const files = cloneFilesOf(deps.repository, osimage);
    const built = await readFile(path.join(path.dirname(files.initrd), "netboot.json"), "utf8").then((text) => JSON.parse(text) as { imageVersion?: unknown }, () => ({ imageVersion: undefined }));
    const version = typeof built.imageVersion === "number" ? built.imageVersion : undefined;
    const spec = { osimage, server, ...(version !== undefined ? { version } : {}), ...(node !== undefined ? { node } : {}), ...(network ? { network } : {}) };
    const result = await buildMedia({ spec, kernel: files.kernel, initrd: files.initrd, output: path.resolve(output), signal: deps.signal });
    store.addEvent({ kind: "media-built", osimage, ...(node !== undefined ? { node } : {}), message: `boot media ${result.output} (${osimage}, server ${server}${node !== undefined ? `, for ${node}` : ""})` });
    if (deps.out.json) deps.out.data({ ...spec, ...result });
    else deps.out.line(`${osimage}: boot media ${result.output} (${(result.bytes / 1024 / 1024).toFixed(1)} MiB; BIOS and UEFI; CD or USB stick)\n  kernel command line: ${result.kernelArgs}`);
    return 0;
  },
};
