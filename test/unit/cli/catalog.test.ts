import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { commandCatalog, entryAt, loadCommands } from "../../../src/cli/catalog.js";

const cliDir = path.join(import.meta.dirname, "..", "..", "..", "src", "cli");

describe("the command catalog", () => {
  it("names each command as its definition does, once", async () => {
    const commands = await loadCommands();
    expect(commands.map((c) => c.name)).toEqual(commandCatalog.map((e) => e.name));
    expect(new Set(commands.map((c) => c.name)).size).toBe(commands.length);
  });

  it("holds every command defined under src/cli", () => {
    const defined = readdirSync(cliDir)
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) => [...readFileSync(path.join(cliDir, file), "utf8").matchAll(/^export const \w+: Command = \{\n {2}name: "([^"]+)"/gm)].map((m) => m[1]));
    expect(defined.length).toBeGreaterThan(20);
    expect([...defined].sort()).toEqual(commandCatalog.map((e) => e.name).sort());
  });

  it.each([
    [["initrd", "build", "--add", "x"], "initrd build", ["--add", "x"]],
    [["nodeset", "n1", "boot"], "nodeset", ["n1", "boot"]],
    [["layout", "check", "f"], "layout check", ["f"]],
  ])("finds the two-word form before the one-word one: %j", (argv, name, rest) => {
    const found = entryAt(argv);
    expect(found?.entry.name).toBe(name);
    expect(found?.args).toEqual(rest);
  });

  it("finds nothing for an unknown word", () => {
    expect(entryAt(["frobnicate"])).toBeUndefined();
    expect(entryAt([])).toBeUndefined();
  });
});
