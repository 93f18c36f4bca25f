import { parseArgs, type ParseArgsConfig } from "node:util";
import type { SyscloneHome } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import type { ImageRepository } from "../image/repository.js";
import type { Store } from "../store/store.js";
import type { Backend } from "./backend.js";
import type { Output } from "./output.js";

export interface CommandDeps {
  readonly home: SyscloneHome;
  /** Opened on first use, so commands that need no database do not create one. */
  store(): Store;
  /**
   * Where nodels, lsdef, chdef, nodeset and nodestat read and change: the local store, or the API
   * (SYSCLONE_URL). Absent: the local store (deps built by hand, in tests). Read it with backendOf.
   */
  readonly backend?: () => Backend;
  readonly repository: ImageRepository;
  readonly out: Output;
  readonly signal: AbortSignal;
  readonly stdin: () => Promise<string>;
  readonly rshProgram: string;
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly examples?: readonly string[];
  /** What the command does, for its man page and `sysclone help NAME`: paragraphs separated by a blank line. */
  readonly description?: string;
  /** One line of help per option, by the option's long name (those without one show only their flags). */
  readonly optionHelp?: Readonly<Record<string, string>>;
  /** Runs through the management API too (SYSCLONE_URL set): it uses only deps.backend(), never the store. */
  readonly remote?: boolean;
  /** Rewrites argv before parsing, for flags whose value is optional (updatenode -P [list]). */
  rewriteArgv?(argv: readonly string[]): string[];
  run(args: ParsedArgs, deps: CommandDeps): Promise<number>;
}

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

export const jsonOption: Options = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } };

export function parseCommandArgs(command: Command, argv: readonly string[]): ParsedArgs {
  const args = command.rewriteArgv ? command.rewriteArgv(argv) : [...argv];
  const options = { ...jsonOption, ...command.options };
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch {
    throw new SyscloneError("USAGE", `${command.name}: ${whatIsWrong(args, options)}`, { hint: `usage: ${command.usage}` });
  }
}

/** Why strict parsing refused argv, in our words: node's own message spans lines and quotes oddly. */
function whatIsWrong(args: string[], options: Options): string {
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = JSON.stringify(token.rawName);
    const spec = options[token.name];
    if (!spec) return `unknown flag ${flag}`;
    if (spec.type === "string" && token.value === undefined) return `flag ${flag} needs a value`;
    if (spec.type === "boolean" && token.value !== undefined) return `flag ${flag} takes no value`;
    if (spec.type === "string" && token.inlineValue === false && token.value?.startsWith("-")) return `flag ${flag} needs a value, not the flag ${JSON.stringify(token.value)}`;
  }
  return "cannot read the arguments";
}

export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

export function stringList(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/** `--name N`: a whole number above 0, or the fallback when the option is absent. */
export function positiveIntegerOption(args: ParsedArgs, name: string, fallback: number): number {
  const text = stringValue(args, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new SyscloneError("USAGE", `--${name} ${text} is not a positive whole number`);
  return Number(text);
}
