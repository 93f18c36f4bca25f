import { describe, expect, it } from "vitest";
import { parseCommandArgs, type Command } from "../../../src/cli/command.js";
import { formatErrorLine, SyscloneError } from "../../../src/errors/errors.js";

const command: Command = {
  name: "lsdef",
  summary: "list",
  usage: "lsdef [-t TYPE] [-z] NAMES",
  options: { type: { type: "string", short: "t" }, stanza: { type: "boolean", short: "z" } },
  run: () => Promise.resolve(0),
};

function usageError(argv: string[]): string {
  try {
    parseCommandArgs(command, argv);
  } catch (error) {
    if (error instanceof SyscloneError) return formatErrorLine(error);
    throw error;
  }
  throw new Error("expected a usage error");
}

describe("usage errors: one line naming the flag, then the usage", () => {
  it.each([
    [["--bogus"], 'lsdef: unknown flag "--bogus"'],
    [["n1", "-zq"], 'lsdef: unknown flag "-q"'],
    [["-t"], 'lsdef: flag "-t" needs a value'],
    [["-t", "-z"], 'lsdef: flag "-t" needs a value, not the flag "-z"'],
    [["--stanza=yes"], 'lsdef: flag "--stanza" takes no value'],
    [["--bo\ngus"], 'lsdef: unknown flag "--bo\\ngus"'],
  ])("%j", (argv, message) => {
    expect(usageError(argv)).toBe(`error [USAGE]: ${message} — usage: lsdef [-t TYPE] [-z] NAMES`);
  });

  it("parses what it knows", () => {
    expect(parseCommandArgs(command, ["-t", "group", "-z", "g1"])).toEqual({ values: { type: "group", stanza: true }, positionals: ["g1"] });
  });
});
