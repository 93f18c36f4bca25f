import type { NodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { parseServerUrl } from "../netboot/clone-args.js";
import { cloneFilesOf, reinstallByKexec } from "../reinstall/kexec.js";
import { describeKexecResult } from "../reinstall/results.js";
import { positiveIntegerOption, stringValue, type CommandDeps, type Options, type ParsedArgs } from "./command.js";

/** The options `rinstall --kexec` reads beyond rinstall's own (--fanout, --force). */
export const kexecOptions: Options = {
  kexec: { type: "boolean" },
  timeout: { type: "string" },
  "connect-timeout": { type: "string" },
  url: { type: "string" },
  via: { type: "string" },
};

/**
 * `rinstall NODERANGE osimage=NAME --kexec`: nodeset, then each running node over SSH kexecs into the
 * clone initrd (or reboots once into a grub entry for it). `node: result` lines, a summary, --json;
 * exit 1 when any node failed.
 */
export const kexecHelp: Readonly<Record<string, string>> = {
  kexec: "running nodes: over SSH (pinned host key), kexec into the clone initrd with a fresh token; without kexec, a one-time grub entry and a reboot",
  timeout: "with --kexec: seconds per node (default 600)",
  "connect-timeout": "with --kexec: seconds to reach a node's sshd (default 15)",
  url: "with --kexec: the server's URL as nodes reach it (default: the one sysclone serve recorded)",
  via: "with --kexec: grub to use the one-time grub entry even where kexec is installed",
};

export async function rinstallKexec(range: string, action: NodesetAction, args: ParsedArgs, deps: CommandDeps): Promise<number> {
  if (action.destiny !== "install" && action.destiny !== "wipe,install") {
    throw new SyscloneError("USAGE", "rinstall --kexec installs: give osimage=NAME", { hint: "e.g. rinstall n07 osimage=rocky9 --kexec" });
  }
  if (stringValue(args, "wave") !== undefined) throw new SyscloneError("USAGE", "--wave is for power cycles through the BMC; --kexec reaches nodes over SSH, --fanout N at a time");
  const via = stringValue(args, "via");
  if (via !== undefined && via !== "kexec" && via !== "grub") throw new SyscloneError("USAGE", `--via ${JSON.stringify(via.slice(0, 20))}: kexec or grub`, { hint: "--via grub: a one-time grub entry and a reboot even where kexec is installed" });
  const fanout = positiveIntegerOption(args, "fanout", 64);
  const timeoutMs = positiveIntegerOption(args, "timeout", 600) * 1000;
  const connectTimeoutMs = positiveIntegerOption(args, "connect-timeout", 15) * 1000;
  const store = deps.store();
  const url = stringValue(args, "url") ?? store.setting("server_url");
  if (!url) throw new SyscloneError("USAGE", "no server URL known", { hint: "start `sysclone serve` once, or pass --url http://SERVER:PORT" });
  const serverUrl = parseServerUrl(url);
  // Refused before anything changes when the image has no clone initrd to give.
  if (action.osimage !== undefined) cloneFilesOf(deps.repository, action.osimage);
  const result = await reinstallByKexec(
    { store, repository: deps.repository, privateKeyFile: deps.home.privateKey, serverUrl, signal: deps.signal, report: (node, message) => deps.out.line(`${node}: ${message}`) },
    { noderange: range, action, force: args.values["force"] === true, fanout, timeoutMs, connectTimeoutMs, ...(via !== undefined ? { prefer: via } : {}) },
  );
  if (deps.out.json) deps.out.data(result);
  else deps.out.line(describeKexecResult(result));
  return result.summary.failed.length > 0 ? 1 : 0;
}
