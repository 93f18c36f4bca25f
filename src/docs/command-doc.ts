import type { Command, Options } from "../cli/command.js";

/** What a command's man page and `sysclone help NAME` say, read from the command's own definition. */
export interface CommandDoc {
  /** The man page's name: `nodeset`, or `sysclone-initrd-build` for a `sysclone …` form. */
  readonly page: string;
  /** As typed: `nodeset`, `sysclone initrd build`. */
  readonly invocation: string;
  readonly summary: string;
  /** One line per form of the usage. */
  readonly synopsis: readonly string[];
  readonly description: readonly string[];
  readonly options: readonly { readonly flags: string; readonly help: string }[];
  readonly examples: readonly string[];
}

const jsonHelp = "print the result as JSON on standard output (an error too, on standard error)";
const helpHelp = "show this help and exit";

/** Commands run as `sysclone NAME` (their usage says so) get pages named sysclone-NAME, like git's. */
export function commandPage(command: Pick<Command, "name" | "usage">): string {
  const words = command.name.trim().split(/\s+/);
  return command.usage.trim().startsWith("sysclone ") ? ["sysclone", ...words].join("-") : words.join("-");
}

export function commandInvocation(command: Pick<Command, "name" | "usage">): string {
  const name = command.name.trim().split(/\s+/).join(" ");
  return command.usage.trim().startsWith("sysclone ") ? `sysclone ${name}` : name;
}

/** The usage's alternatives: split at ` | ` outside brackets, so `[-a | -b]` stays whole. */
export function synopsisOf(usage: string, invocation: string): string[] {
  const forms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < usage.length; i++) {
    const c = usage[i];
    if (c === "[" || c === "(") depth++;
    else if ((c === "]" || c === ")") && depth > 0) depth--;
    else if (depth === 0 && usage.startsWith(" | ", i)) {
      forms.push(usage.slice(start, i));
      start = i + 3;
    }
  }
  forms.push(usage.slice(start));
  const program = invocation.split(" ")[0] ?? "";
  // `sysclone token add … | token list`: the later forms leave out the `sysclone` the first one has.
  return forms
    .map((form) => form.trim().replace(/\s+/g, " "))
    .filter((form) => form !== "")
    .map((form) => (program === "sysclone" && !form.startsWith("sysclone ") && !form.startsWith("-") ? `sysclone ${form}` : form));
}

/** The value a flag takes as the usage writes it (`--role admin|operator|viewer`), else VALUE. */
export function valueNameOf(usage: string, flags: readonly string[]): string {
  for (const flag of flags) {
    const at = new RegExp(`(?:^|[\\s\\[(|])${flag.replace(/[-]/g, "\\-")}[ =]`).exec(usage);
    if (!at) continue;
    const rest = usage.slice(at.index + at[0].length);
    const bracketed = /^\[[^\]\s]*\]/.exec(rest);
    if (bracketed) return bracketed[0];
    const token = /^[^\s\])]+/.exec(rest)?.[0];
    if (token !== undefined && !token.startsWith("-")) return token;
  }
  return "VALUE";
}

function optionsOf(command: Command, options: Options): CommandDoc["options"] {
  const rows: { flags: string; help: string }[] = [];
  for (const [name, spec] of Object.entries(options)) {
    const flags = [...(spec.short === undefined ? [] : [`-${spec.short}`]), `--${name}`];
    const value = spec.type === "string" ? ` ${valueNameOf(command.usage, flags)}` : "";
    const given = command.optionHelp?.[name] ?? (name === "json" ? jsonHelp : name === "help" ? helpHelp : "");
    const help = spec.multiple === true ? `${given}${given === "" ? "" : " "}(may be given more than once)` : given;
    rows.push({ flags: `${flags.join(", ")}${value}`, help });
  }
  return rows;
}

/** `--json` is accepted by every command but listed only where the usage offers it; `-h` everywhere. */
export function commandDoc(command: Command): CommandDoc {
  const invocation = commandInvocation(command);
  const common: Options = { ...(/--json\b/.test(command.usage) ? { json: { type: "boolean" } } : {}), help: { type: "boolean", short: "h" } };
  const description = (command.description ?? "")
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== "");
  return {
    page: commandPage(command),
    invocation,
    summary: command.summary.trim(),
    synopsis: synopsisOf(command.usage, invocation),
    description,
    options: optionsOf(command, { ...command.options, ...common }),
    examples: [...(command.examples ?? [])],
  };
}
