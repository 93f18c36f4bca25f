import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { checkoutRoot, resolveHome, secureHome } from "../config/paths.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { ImageRepository } from "../image/repository.js";
import { Store } from "../store/store.js";
import { entryAt, entryNamed, loadCommands } from "./catalog.js";
import { parseCommandArgs, type Command, type CommandDeps } from "./command.js";
import { createOutput } from "./output.js";
import type { Backend } from "./backend.js";
import { remoteSettings, type RemoteSettings } from "../remote/settings.js";
import { quoteInput } from "../objects/quote.js";

async function commandList(): Promise<string> {
  return (await loadCommands()).map((c) => `  ${c.name.padEnd(13)} ${c.summary}`).join("\n");
}

async function helpText(command: Command): Promise<string> {
  const [{ commandDoc }, { renderHelpText }] = await Promise.all([import("../docs/command-doc.js"), import("../docs/help-text.js")]);
  return renderHelpText(commandDoc(command));
}

/** `sysclone SUB …` → the command and its arguments, or the help asked for; other binaries are commands themselves. */
async function resolve(invokedAs: string, argv: readonly string[]): Promise<{ command: Command; args: readonly string[] } | { text: string }> {
  if (invokedAs !== "sysclone") {
    const entry = entryNamed(invokedAs);
    if (!entry) throw new SyscloneError("USAGE", `unknown command ${invokedAs}`);
    return { command: await entry.load(), args: argv };
  }
  const [sub, ...rest] = argv;
  if ((sub === "help" || sub === "--help") && rest.length === 0) return { text: `commands:\n${await commandList()}\nrun \`sysclone help COMMAND\` (or \`man COMMAND\`) for one command's page\n` };
  if (sub === "help") {
    const asked = entryAt(rest);
    if (!asked || asked.args.length > 0) throw new SyscloneError("USAGE", `no command named "${rest.join(" ")}"`, { hint: "run `sysclone help` for the list" });
    return { text: await helpText(await asked.entry.load()) };
  }
  const found = entryAt(argv);
  if (!found) {
    throw new SyscloneError("USAGE", sub === undefined ? `commands:\n${await commandList()}` : `unknown command "${sub}"`, {
      hint: "run `sysclone help` for the list",
    });
  }
  return { command: await found.entry.load(), args: found.args };
}

/** A command that works only at the server's shell, asked for with SYSCLONE_URL set: refused, not run against a local store. */
async function notRemote(name: string, serverUrl: string): Promise<SyscloneError> {
  const through = (await loadCommands()).filter((c) => c.remote === true).map((c) => c.name).join(", ");
  return new SyscloneError("NOT_AVAILABLE", `${name} runs only at the server's shell, and SYSCLONE_URL is set (${quoteInput(serverUrl)})`, { hint: `through the API: ${through}; unset SYSCLONE_URL to run ${name} here against the local store` });
}

async function remoteBackendFactory(settings: RemoteSettings, signal: AbortSignal): Promise<() => Backend> {
  const [{ apiClient }, { remoteBackend }] = await Promise.all([import("../remote/client.js"), import("../remote/backend.js")]);
  let backend: Backend | undefined;
  return () => (backend ??= remoteBackend(apiClient(settings, signal), settings.url));
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
    const resolved = await resolve(invokedAs, argv);
    if ("text" in resolved) {
      process.stdout.write(resolved.text);
      return 0;
    }
    const { command, args } = resolved;
    const parsed = parseCommandArgs(command, args);
    if (parsed.values["help"]) {
      process.stdout.write(await helpText(command));
      return 0;
    }
    const serverUrl = process.env["SYSCLONE_URL"] ?? "";
    if (serverUrl !== "" && command.remote !== true) throw await notRemote(command.name, serverUrl);
    const remote = remoteSettings(process.env, { stat: (file) => { const stat = statSync(file); return { mode: stat.mode, isFile: stat.isFile() }; }, read: (file) => readFileSync(file, "utf8") });
    // Through the API nothing local is touched: no home, no database.
    if (!remote) secureHome(home);
    const repository = new ImageRepository(home.images);
    const openStore = (): Store => {
      if (remote) throw new SyscloneError("INTERNAL", `${command.name} opened the local store with SYSCLONE_URL set`, { hint: "this is a bug in sysclone; unset SYSCLONE_URL to run it at the server's shell" });
      return (store ??= Store.open(home.database));
    };
    // Local commands reach the store through backendOf's own fallback; only the API's client is built here.
    const remoteBackendOf = remote ? await remoteBackendFactory(remote, controller.signal) : undefined;
    const deps: CommandDeps = {
      home,
      store: openStore,
      ...(remoteBackendOf ? { backend: remoteBackendOf } : {}),
      repository,
      out,
      signal: controller.signal,
      stdin: readStdin,
      rshProgram: path.join(checkoutRoot(), "bin", "sysclone-rsh"),
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
