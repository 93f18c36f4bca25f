import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { checkoutRoot, resolveHome, secureHome } from "../config/paths.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { ImageRepository } from "../image/repository.js";
import { Store } from "../store/store.js";
import { chdef } from "./chdef.js";
import { clusterCommand } from "./cluster.js";
import { parseCommandArgs, type Command, type CommandDeps } from "./command.js";
import { imgcapture } from "./imgcapture.js";
import { imgimport } from "./imgimport.js";
import { keys } from "./keys.js";
import { layoutCheck } from "./layout-check.js";
import { lsdef } from "./lsdef.js";
import { lsimage } from "./lsimage.js";
import { mkdef } from "./mkdef.js";
import { nodels } from "./nodels.js";
import { updatenode } from "./updatenode.js";
import { nodeset } from "./nodeset.js";
import { createOutput } from "./output.js";
import { demo } from "./demo.js";
import { rmdef } from "./rmdef.js";
import { rmimage } from "./rmimage.js";
import { serve } from "./serve.js";
import { nodestat } from "./nodestat.js";
import { plan } from "./plan.js";
import { bootargs } from "./bootargs.js";
import { initrdBuild } from "./initrd.js";
import { inventory } from "./inventory.js";
import { mediaBuild } from "./media.js";
import { user } from "./user.js";
import { token } from "./token.js";
import { audit } from "./audit.js";
import { backup } from "./backup.js";
import { restore } from "./restore.js";
import { rpower } from "./rpower.js";
import { rsetboot } from "./rsetboot.js";
import { rinstall } from "./rinstall.js";
import { rcons } from "./rcons.js";
import type { Backend } from "./backend.js";
import { localBackend } from "./local-backend.js";
import { apiClient } from "../remote/client.js";
import { remoteBackend } from "../remote/backend.js";
import { remoteSettings } from "../remote/settings.js";
import { quoteInput } from "../objects/quote.js";
import { commandDoc } from "../docs/command-doc.js";
import { renderHelpText } from "../docs/help-text.js";

/** Every command, `sysclone WORD WORD` forms included: the CLI, `sysclone help` and the man pages all read this list. */
export const commands: readonly Command[] = [imgcapture, imgimport, mkdef, chdef, lsdef, rmdef, nodels, lsimage, rmimage, nodeset, nodestat, inventory, updatenode, plan, serve, bootargs, keys, clusterCommand, demo, user, token, audit, backup, restore, rpower, rsetboot, rinstall, rcons, layoutCheck, initrdBuild, mediaBuild];

function findCommand(name: string): Command | undefined {
  return commands.find((command) => command.name === name);
}

/** The command argv begins with: a two-word form (`initrd build`) before a one-word one. */
function commandAt(argv: readonly string[]): { command: Command; args: readonly string[] } | undefined {
  const [first, second] = argv;
  const two = first === undefined || second === undefined ? undefined : findCommand(`${first} ${second}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = first === undefined ? undefined : findCommand(first);
  return one ? { command: one, args: argv.slice(1) } : undefined;
}

function commandList(): string {
  return commands.map((c) => `  ${c.name.padEnd(13)} ${c.summary}`).join("\n");
}

/** `sysclone SUB …` → the command and its arguments, or the help asked for; other binaries are commands themselves. */
function resolve(invokedAs: string, argv: readonly string[]): { command: Command; args: readonly string[] } | { text: string } {
  if (invokedAs !== "sysclone") {
    const command = findCommand(invokedAs);
    if (!command) throw new SyscloneError("USAGE", `unknown command ${invokedAs}`);
    return { command, args: argv };
  }
  const [sub, ...rest] = argv;
  if ((sub === "help" || sub === "--help") && rest.length === 0) return { text: `commands:\n${commandList()}\nrun \`sysclone help COMMAND\` (or \`man COMMAND\`) for one command's page\n` };
  if (sub === "help") {
    const asked = commandAt(rest);
    if (!asked || asked.args.length > 0) throw new SyscloneError("USAGE", `no command named "${rest.join(" ")}"`, { hint: "run `sysclone help` for the list" });
    return { text: renderHelpText(commandDoc(asked.command)) };
  }
  const found = commandAt(argv);
  if (!found) {
    throw new SyscloneError("USAGE", sub === undefined ? `commands:\n${commandList()}` : `unknown command "${sub}"`, {
      hint: "run `sysclone help` for the list",
    });
  }
  return found;
}

/** A command that works only at the server's shell, asked for with SYSCLONE_URL set: refused, not run against a local store. */
function notRemote(name: string, serverUrl: string): SyscloneError {
  const through = commands.filter((c) => c.remote === true).map((c) => c.name).join(", ");
  return new SyscloneError("NOT_AVAILABLE", `${name} runs only at the server's shell, and SYSCLONE_URL is set (${quoteInput(serverUrl)})`, { hint: `through the API: ${through}; unset SYSCLONE_URL to run ${name} here against the local store` });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function main(invokedAs: string, argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  const out = createOutput(json);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const home = resolveHome();
  let store: Store | undefined;
  try {
    const resolved = resolve(invokedAs, argv);
    if ("text" in resolved) {
      process.stdout.write(resolved.text);
      return 0;
    }
    const { command, args } = resolved;
    const parsed = parseCommandArgs(command, args);
    if (parsed.values["help"]) {
      process.stdout.write(renderHelpText(commandDoc(command)));
      return 0;
    }
    const serverUrl = process.env["SYSCLONE_URL"] ?? "";
    if (serverUrl !== "" && command.remote !== true) throw notRemote(command.name, serverUrl);
    const remote = remoteSettings(process.env, { stat: (file) => { const stat = statSync(file); return { mode: stat.mode, isFile: stat.isFile() }; }, read: (file) => readFileSync(file, "utf8") });
    // Through the API nothing local is touched: no home, no database.
    if (!remote) secureHome(home);
    const repository = new ImageRepository(home.images);
    const openStore = (): Store => {
      if (remote) throw new SyscloneError("INTERNAL", `${command.name} opened the local store with SYSCLONE_URL set`, { hint: "this is a bug in sysclone; unset SYSCLONE_URL to run it at the server's shell" });
      return (store ??= Store.open(home.database));
    };
    let backend: Backend | undefined;
    const deps: CommandDeps = {
      home,
      store: openStore,
      backend: () => (backend ??= remote ? remoteBackend(apiClient(remote, controller.signal), remote.url) : localBackend(openStore, home, repository)),
      repository,
      out,
      signal: controller.signal,
      stdin: readStdin,
      rshProgram: path.join(checkoutRoot(), "bin", "sysclone-rsh.js"),
    };
    return await command.run(parsed, deps);
  } catch (error) {
    const known = isSyscloneError(error)
      ? error
      : new SyscloneError("INTERNAL", error instanceof Error ? error.message : String(error), { hint: "this is a bug in sysclone; please report it with the command you ran" });
    out.error(known);
    if (!isSyscloneError(error) && process.env["SYSCLONE_DEBUG"]) console.error(error);
    return known.exitStatus;
  } finally {
    store?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function runMain(invokedAs: string): void {
  // A reader that stops early (`nodels all | head -1`) closes the pipe: like any Unix tool, stop quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(invokedAs, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 70;
    },
  );
}
