import type { Command } from "./command.js";

/**
 * Every command by name, its module loaded only when asked for: a command run loads its own
 * modules, not the server's or the other thirty commands' (start-up was 0.6 s of CPU with all).
 * The order is the order of `sysclone help`.
 */
export interface CommandEntry {
  readonly name: string;
  load(): Promise<Command>;
}

export const commandCatalog: readonly CommandEntry[] = [
  { name: "imgcapture", load: async () => (await import("./imgcapture.js")).imgcapture },
  { name: "imgimport", load: async () => (await import("./imgimport.js")).imgimport },
  { name: "mkdef", load: async () => (await import("./mkdef.js")).mkdef },
  { name: "chdef", load: async () => (await import("./chdef.js")).chdef },
  { name: "lsdef", load: async () => (await import("./lsdef.js")).lsdef },
  { name: "rmdef", load: async () => (await import("./rmdef.js")).rmdef },
  { name: "nodels", load: async () => (await import("./nodels.js")).nodels },
  { name: "lsimage", load: async () => (await import("./lsimage.js")).lsimage },
  { name: "rmimage", load: async () => (await import("./rmimage.js")).rmimage },
  { name: "nodeset", load: async () => (await import("./nodeset.js")).nodeset },
  { name: "nodestat", load: async () => (await import("./nodestat.js")).nodestat },
  { name: "inventory", load: async () => (await import("./inventory.js")).inventory },
  { name: "updatenode", load: async () => (await import("./updatenode.js")).updatenode },
  { name: "plan", load: async () => (await import("./plan.js")).plan },
  { name: "serve", load: async () => (await import("./serve.js")).serve },
  { name: "bootargs", load: async () => (await import("./bootargs.js")).bootargs },
  { name: "keys", load: async () => (await import("./keys.js")).keys },
  { name: "cluster", load: async () => (await import("./cluster.js")).clusterCommand },
  { name: "demo", load: async () => (await import("./demo.js")).demo },
  { name: "user", load: async () => (await import("./user.js")).user },
  { name: "token", load: async () => (await import("./token.js")).token },
  { name: "audit", load: async () => (await import("./audit.js")).audit },
  { name: "backup", load: async () => (await import("./backup.js")).backup },
  { name: "restore", load: async () => (await import("./restore.js")).restore },
  { name: "rpower", load: async () => (await import("./rpower.js")).rpower },
  { name: "rsetboot", load: async () => (await import("./rsetboot.js")).rsetboot },
  { name: "rinstall", load: async () => (await import("./rinstall.js")).rinstall },
  { name: "rcons", load: async () => (await import("./rcons.js")).rcons },
  { name: "layout check", load: async () => (await import("./layout-check.js")).layoutCheck },
  { name: "initrd build", load: async () => (await import("./initrd.js")).initrdBuild },
  { name: "media build", load: async () => (await import("./media.js")).mediaBuild },
];

/** Every command's definition (help, man pages): loads them all. */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(commandCatalog.map((entry) => entry.load()));
}

/** The entry argv begins with: a two-word form (`initrd build`) before a one-word one. */
export function entryAt(argv: readonly string[]): { entry: CommandEntry; args: readonly string[] } | undefined {
  const [first, second] = argv;
  const find = (name: string): CommandEntry | undefined => commandCatalog.find((entry) => entry.name === name);
  const two = first === undefined || second === undefined ? undefined : find(`${first} ${second}`);
  if (two) return { entry: two, args: argv.slice(2) };
  const one = first === undefined ? undefined : find(first);
  return one ? { entry: one, args: argv.slice(1) } : undefined;
}

export function entryNamed(name: string): CommandEntry | undefined {
  return commandCatalog.find((entry) => entry.name === name);
}
