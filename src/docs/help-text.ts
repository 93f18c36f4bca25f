import type { CommandDoc } from "./command-doc.js";
import { listItems } from "./man.js";

const width = 78;

/** Words filled into lines of at most `width` columns (a longer word stands alone), each indented. */
export function fill(text: string, indent: string, firstIndent = indent): string[] {
  const words = text.split(/\s+/).filter((word) => word !== "");
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines;
}

function paragraphs(texts: readonly string[]): string[] {
  const lines: string[] = [];
  for (const text of texts) {
    const items = listItems(text);
    if (lines.length > 0) lines.push("");
    if (items) for (const item of items) lines.push(...fill(item, "         ", "       • "));
    else lines.push(...fill(text, "       "));
  }
  return lines;
}

/** `sysclone help NAME` and `NAME --help`: the man page's sections, as plain text. */
export function renderHelpText(doc: CommandDoc): string {
  const lines = ["NAME", ...fill(`${doc.page} - ${doc.summary}`, "       "), "", "SYNOPSIS"];
  for (const form of doc.synopsis) lines.push(...fill(form, "           ", "       "));
  lines.push("", "DESCRIPTION", ...paragraphs([doc.summary.replace(/^./, (c) => c.toUpperCase()) + ".", ...doc.description]));
  if (doc.options.length > 0) {
    lines.push("", "OPTIONS");
    for (const option of doc.options) {
      lines.push(...fill(option.flags, "           ", "       "));
      if (option.help !== "") lines.push(...fill(option.help, "              "));
    }
  }
  if (doc.examples.length > 0) {
    lines.push("", "EXAMPLES");
    for (const example of doc.examples) lines.push(`           ${example}`);
  }
  lines.push("", "SEE ALSO", "       sysclone(1)");
  return `${lines.join("\n")}\n`;
}
