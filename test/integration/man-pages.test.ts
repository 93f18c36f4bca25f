import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCommands } from "../../src/cli/catalog.js";
import { commandDoc, commandPage } from "../../src/docs/command-doc.js";
import { renderHelpText } from "../../src/docs/help-text.js";
import { projectRoot, runCli } from "../helpers/cli.js";

const commands = await loadCommands();

let dir: string;
let home: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sysclone-man-"));
  home = mkdtempSync(path.join(tmpdir(), "sysclone-man-home-"));
  // The entry point the Debian package build runs.
  execFileSync(process.execPath, [path.join(projectRoot, "dist", "src", "docs", "write-man-pages.js"), dir]);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

/** The words of a text, whatever its filling and indentation; roff writes … as "...". */
function words(text: string): string {
  return text.replace(/…/g, "...").trim().split(/\s+/).join(" ");
}

/** All pages through one `man --warnings -l`, each page's text (less man's header and footer) by its name. */
function man(pages: readonly string[], lang: string): { stderr: string; status: number | null; text: Map<string, string> } {
  const result = spawnSync("man", ["--warnings", "-P", "cat", "-l", ...pages.map((p) => path.join(dir, p))], { env: { ...process.env, LANG: lang, LC_ALL: lang, MANWIDTH: "80" }, encoding: "utf8" });
  const text = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of result.stdout.split("\n")) {
    const header = /^(\S+)\(1\)\s+sysclone manual\s+\S+\(1\)$/.exec(line);
    if (header) {
      name = header[1]?.toLowerCase();
      lines = [];
    } else if (name !== undefined && /^sysclone \S+\s+\d{4}-\d\d-\d\d\s+\S+\(1\)$/.test(line)) {
      text.set(name, lines.join("\n"));
      name = undefined;
    } else lines.push(line);
  }
  return { stderr: result.stderr, status: result.status, text };
}

describe("man pages", () => {
  it("writes a page for every registered command and sysclone(1), nothing else", () => {
    expect(readdirSync(dir).sort()).toEqual([...commands.map((c) => `${commandPage(c)}.1`), "sysclone.1"].sort());
  });

  it("man -l renders every page without a warning, in C and in UTF-8, with the words sysclone help prints", () => {
    const pages = readdirSync(dir).sort();
    const plain = man(pages, "C");
    expect(plain.stderr).toBe("");
    expect(plain.status).toBe(0);
    const utf8 = man(pages, "C.UTF-8");
    expect(utf8.stderr).toBe("");
    expect([...utf8.text.keys()].sort()).toEqual(pages.map((p) => p.replace(/\.1$/, "")).sort());
    for (const command of commands) {
      const page = utf8.text.get(commandPage(command)) ?? "";
      expect(page, command.name).toMatch(/^\nNAME\n[^]*\nSYNOPSIS\n {7}\S/);
      expect(words(renderHelpText(commandDoc(command))), command.name).toBe(words(page));
    }
  });

  it("sysclone help COMMAND and COMMAND --help print that text, for one-word, two-word and top-level commands", async () => {
    for (const [program, args, name] of [
      ["sysclone", ["help", "initrd", "build"], "initrd build"],
      ["sysclone", ["initrd", "build", "--help"], "initrd build"],
      ["sysclone", ["help", "nodeset"], "nodeset"],
      ["nodeset", ["-h"], "nodeset"],
      ["sysclone", ["help", "restore"], "restore"],
    ] as const) {
      const command = commands.find((c) => c.name === name);
      expect(command).toBeDefined();
      const shown = await runCli(home, program, args);
      expect(shown.code, `${program} ${args.join(" ")}: ${shown.stderr}`).toBe(0);
      expect(shown.stdout).toBe(command ? renderHelpText(commandDoc(command)) : "");
    }
    const unknown = await runCli(home, "sysclone", ["help", "nosuch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('error [USAGE]: no command named "nosuch" — run `sysclone help` for the list');
    const list = await runCli(home, "sysclone", ["help"]);
    expect(list.code).toBe(0);
    for (const command of commands) expect(list.stdout).toContain(`\n  ${command.name} `);
  });
});
