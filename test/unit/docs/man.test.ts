import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Command } from "../../../src/cli/command.js";
import { loadCommands } from "../../../src/cli/catalog.js";
import { commandDoc, commandPage, synopsisOf, valueNameOf } from "../../../src/docs/command-doc.js";
import { renderHelpText } from "../../../src/docs/help-text.js";
import { manDate, manPages } from "../../../src/docs/man-pages.js";
import { renderManPage, roffText } from "../../../src/docs/man.js";

const commands = await loadCommands();

const meta = { version: "1.2.3", date: "2026-01-31" };

const sample: Command = {
  name: "initrd build",
  summary: "build the clone initrd — for an osimage",
  usage: "sysclone initrd build OSIMAGE [--kernel VMLINUZ --modules /lib/modules/VERSION] [-t a|b] [--json] | initrd build --list",
  options: { kernel: { type: "string" }, modules: { type: "string" }, type: { type: "string", short: "t" }, exclude: { type: "string", multiple: true }, list: { type: "boolean" } },
  optionHelp: { kernel: "the kernel to boot\\", list: ".list what is there" },
  description: "First paragraph,\nover two lines.\n\n- one item\n- another item",
  examples: ["sysclone initrd build rocky9", "'quoted"],
  run: () => Promise.resolve(0),
};

describe("man pages from the commands' definitions", () => {
  it.each([
    ["nodeset NODERANGE boot", "nodeset", ["nodeset NODERANGE boot"]],
    ["lsdef [-t node|group] | lsdef -a|all", "lsdef", ["lsdef [-t node|group]", "lsdef -a|all"]],
    ["sysclone serve [--a X | --b Y] [--c]", "sysclone serve", ["sysclone serve [--a X | --b Y] [--c]"]],
    ["sysclone token add USER | token list", "sysclone token", ["sysclone token add USER", "sysclone token list"]],
    ["a  b |  | c", "a", ["a b", "c"]],
  ])("synopsis of %j", (usage, invocation, forms) => {
    expect(synopsisOf(usage, invocation)).toEqual(forms);
  });

  it.each([
    ["x [--role admin|viewer]", ["--role"], "admin|viewer"],
    ["x [-t node|group]", ["-t", "--type"], "node|group"],
    ["x -P [SCRIPT,…] y", ["-P"], "[SCRIPT,…]"],
    ["x (--disk-size SIZE[,SIZE…] | y)", ["--disk-size"], "SIZE[,SIZE…"],
    ["x --a --b", ["--a"], "VALUE"],
    ["x", ["--missing"], "VALUE"],
  ])("the value a flag takes in %j", (usage, flags, value) => {
    expect(valueNameOf(usage, flags)).toBe(value);
  });

  it.each([
    ["a-b", "a\\-b"],
    ["back\\slash", "back\\eslash"],
    [".starts with a dot", "\\&.starts with a dot"],
    ["'quote", "\\&'quote"],
    ["em — dash … → ×", "em \\(em dash ... \\(-> \\(mu"],
    ["ü", "\\[u00FC]"],
    ["two\nlines", "two lines"],
  ])("roff text of %j", (text, roff) => {
    expect(roffText(text)).toBe(roff);
  });

  it("renders a whole page: name, synopsis forms, description paragraphs and list, options with help, examples kept as lines", () => {
    expect(renderManPage(commandDoc(sample), meta)).toBe(`.TH SYSCLONE\\-INITRD\\-BUILD 1 "2026-01-31" "sysclone 1.2.3" "sysclone manual"
.nh
.ad l
.SH NAME
sysclone\\-initrd\\-build \\- build the clone initrd \\(em for an osimage
.SH SYNOPSIS
.PP
.B sysclone initrd build
OSIMAGE [\\-\\-kernel VMLINUZ \\-\\-modules /lib/modules/VERSION] [\\-t a|b] [\\-\\-json]
.PP
.B sysclone initrd build
\\-\\-list
.SH DESCRIPTION
.PP
Build the clone initrd \\(em for an osimage.
.PP
First paragraph, over two lines.
.IP \\(bu 2
one item
.IP \\(bu 2
another item
.SH OPTIONS
.TP
.B \\-\\-kernel VMLINUZ
the kernel to boot\\e
.TP
.B \\-\\-modules /lib/modules/VERSION
\\&
.TP
.B \\-t, \\-\\-type a|b
\\&
.TP
.B \\-\\-exclude VALUE
(may be given more than once)
.TP
.B \\-\\-list
\\&.list what is there
.TP
.B \\-\\-json
print the result as JSON on standard output (an error too, on standard error)
.TP
.B \\-h, \\-\\-help
show this help and exit
.SH EXAMPLES
.PP
.RS 4
.nf
sysclone initrd build rocky9
\\&'quoted
.fi
.RE
.SH SEE ALSO
\\fBsysclone\\fR(1)
`);
  });

  it("the help text has the page's sections as plain text, filled to 78 columns", () => {
    const text = renderHelpText(commandDoc(sample));
    expect(text.split("\n").every((line) => line.length <= 78)).toBe(true);
    expect(text).toContain("NAME\n       sysclone-initrd-build - build the clone initrd — for an osimage\n");
    expect(text).toContain("SYNOPSIS\n       sysclone initrd build OSIMAGE [--kernel VMLINUZ --modules\n           /lib/modules/VERSION] [-t a|b] [--json]\n       sysclone initrd build --list\n");
    expect(text).toContain("       First paragraph, over two lines.\n\n       • one item\n       • another item\n");
    expect(text).toContain("       --kernel VMLINUZ\n              the kernel to boot\\\n");
    expect(text).toContain("EXAMPLES\n           sysclone initrd build rocky9\n           'quoted\n");
  });

  it("every registered command has its own page with a synopsis, a summary and -h; sysclone(1) lists them all", () => {
    const pages = manPages(commands, meta);
    expect(pages.map((p) => p.file)).toContain("sysclone.1");
    for (const command of commands) {
      const doc = commandDoc(command);
      expect(doc.synopsis.length, command.name).toBeGreaterThan(0);
      expect(doc.synopsis.every((form) => form.startsWith(doc.invocation.split(" ")[0] ?? "")), command.name).toBe(true);
      expect(doc.summary, command.name).not.toBe("");
      const page = pages.find((p) => p.file === `${commandPage(command)}.1`);
      expect(page?.text, command.name).toContain(".SH SYNOPSIS\n.PP\n");
      expect(pages.find((p) => p.file === "sysclone.1")?.text).toContain(`.BR ${roffText(doc.page)} (1)`);
    }
    expect(pages).toHaveLength(commands.length + 1);
    // `man nodeset` for every command installed on PATH under its own name.
    const bins = Object.keys((JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { bin: Record<string, string> }).bin);
    for (const bin of bins) expect(pages.map((p) => p.file), bin).toContain(`${bin}.1`);
    expect(commandPage({ name: "initrd build", usage: "sysclone initrd build X" })).toBe("sysclone-initrd-build");
    expect(commandPage({ name: "nodeset", usage: "nodeset X" })).toBe("nodeset");
  });

  it("dates a page by SOURCE_DATE_EPOCH when a reproducible build sets it", () => {
    expect(manDate("1769817600", new Date("2000-01-01"))).toBe("2026-01-31");
    expect(manDate(undefined, new Date("2000-01-02T03:04:05Z"))).toBe("2000-01-02");
    expect(manDate("garbage", new Date("2000-01-02T03:04:05Z"))).toBe("2000-01-02");
  });
});
