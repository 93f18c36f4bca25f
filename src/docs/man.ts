import type { CommandDoc } from "./command-doc.js";

export interface ManMeta {
  /** sysclone's version, for the page footer. */
  readonly version: string;
  /** YYYY-MM-DD. */
  readonly date: string;
}

/** Glyphs groff names on every output device, so a page renders the same under LANG=C and UTF-8. */
const glyphs: Readonly<Record<string, string>> = {
  "—": "\\(em",
  "–": "\\(en",
  "…": "...",
  "→": "\\(->",
  "←": "\\(<-",
  "×": "\\(mu",
  "≤": "\\(<=",
  "≥": "\\(>=",
  "‘": "\\(oq",
  "’": "\\(cq",
  "“": "\\(lq",
  "”": "\\(rq",
  "·": "\\(pc",
  "•": "\\(bu",
};

/** Text as roff reads it literally: backslashes, minus signs, other characters by name, no request at a line's start. */
export function roffText(text: string): string {
  let out = "";
  for (const char of text.replace(/\s*\n\s*/g, " ")) {
    if (char === "\\") out += "\\e";
    else if (char === "-") out += "\\-";
    else if (glyphs[char] !== undefined) out += glyphs[char];
    else {
      const code = char.codePointAt(0) ?? 0;
      if (code < 0x20) out += " ";
      else if (code > 0x7e) out += `\\[u${code.toString(16).toUpperCase().padStart(4, "0")}]`;
      else out += char;
    }
  }
  return /^[.']/.test(out) ? `\\&${out}` : out;
}

/** A paragraph whose lines all begin with "- " is a list. */
export function listItems(paragraph: string): string[] | undefined {
  const lines = paragraph.split("\n").map((line) => line.trim());
  if (!lines.every((line) => line.startsWith("- "))) return undefined;
  return lines.map((line) => line.slice(2));
}

function paragraphs(texts: readonly string[]): string[] {
  const lines: string[] = [];
  for (const text of texts) {
    const items = listItems(text);
    if (items) for (const item of items) lines.push(".IP \\(bu 2", roffText(item));
    else lines.push(".PP", roffText(text));
  }
  return lines;
}

function header(page: string, meta: ManMeta): string[] {
  return [`.TH ${roffText(page.toUpperCase())} 1 "${meta.date}" "sysclone ${roffText(meta.version)}" "sysclone manual"`, ".nh", ".ad l"];
}

/** One command's page, section 1. */
export function renderManPage(doc: CommandDoc, meta: ManMeta): string {
  const [program = doc.invocation] = doc.invocation.split(" ");
  const lines = [...header(doc.page, meta), ".SH NAME", `${roffText(doc.page)} \\- ${roffText(doc.summary)}`, ".SH SYNOPSIS"];
  for (const form of doc.synopsis) {
    const rest = form.startsWith(`${doc.invocation} `) ? form.slice(doc.invocation.length + 1) : form.startsWith(`${program} `) ? form.slice(program.length + 1) : form;
    const name = rest === form ? "" : form.slice(0, form.length - rest.length).trim();
    lines.push(".PP", ...(name === "" ? [roffText(rest)] : [`.B ${roffText(name)}`, roffText(rest)]));
  }
  lines.push(".SH DESCRIPTION", ...paragraphs([doc.summary.replace(/^./, (c) => c.toUpperCase()) + ".", ...doc.description]));
  if (doc.options.length > 0) {
    lines.push(".SH OPTIONS");
    for (const option of doc.options) lines.push(".TP", `.B ${roffText(option.flags)}`, option.help === "" ? "\\&" : roffText(option.help));
  }
  if (doc.examples.length > 0) {
    lines.push(".SH EXAMPLES");
    lines.push(".PP", ".RS 4", ".nf");
    for (const example of doc.examples) lines.push(roffText(example));
    lines.push(".fi", ".RE");
  }
  lines.push(".SH SEE ALSO", "\\fBsysclone\\fR(1)");
  return `${lines.join("\n")}\n`;
}

/** sysclone(1): every command with its summary, and the environment all of them read. */
export function renderIndexPage(docs: readonly CommandDoc[], meta: ManMeta): string {
  const lines = [
    ...header("sysclone", meta),
    ".SH NAME",
    "sysclone \\- capture golden images of Linux machines and clone them onto bare-metal fleets",
    ".SH SYNOPSIS",
    ".PP",
    ".B sysclone",
    "\\fICOMMAND\\fR [\\fIARGUMENTS\\fR]",
    ".PP",
    ".B sysclone help",
    "\\fICOMMAND\\fR",
    ".SH COMMANDS",
  ];
  for (const doc of docs) lines.push(".TP", `.BR ${roffText(doc.page)} (1)`, roffText(doc.summary));
  lines.push(
    ".SH ENVIRONMENT",
    ".TP",
    ".B SYSCLONE_HOME",
    roffText("the directory holding the state (var/: the database, keys) and the images (images/)."),
    ".TP",
    ".B SYSCLONE_URL",
    roffText("run nodels, lsdef, chdef, nodeset and nodestat through a sysclone server's API instead of the local store, with the token in SYSCLONE_TOKEN_FILE (mode 0600) or SYSCLONE_TOKEN."),
    ".SH SEE ALSO",
    docs.map((doc) => `\\fB${roffText(doc.page)}\\fR(1)`).join(", "),
  );
  return `${lines.join("\n")}\n`;
}
