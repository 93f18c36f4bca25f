import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { checkRenameNames, describeChange } from "../../../src/objects/change.js";

describe("chdef's summary", () => {
  it.each<[string[], string[], string]>([
    [[], ["node n01"], "1 object definition has been changed"],
    [[], ["node n01", "node n02"], "2 object definitions have been changed"],
    [["node n03"], [], "1 object definition has been created or changed"],
    [["node n03"], ["group rack1"], "2 object definitions have been created or changed"],
    [[], [], "0 object definitions have been changed"],
  ])("created %j, changed %j", (created, changed, line) => {
    expect(describeChange({ created, changed })).toBe(line);
  });
});

describe("chdef -n names", () => {
  const refusal = (from: string, to: string): string | undefined => {
    try {
      checkRenameNames(from, to);
    } catch (error) {
      return isSyscloneError(error) ? `${error.code}: ${error.message}` : `not a SyscloneError: ${String(error)}`;
    }
    return undefined;
  };
  it.each<[string, string, string | undefined]>([
    ["node1", "node2", undefined],
    ["n-01.rack_2", "N01", undefined],
    ["bad name", "z", 'BAD_NAME: "bad name" is not a node name'],
    ["n01", "bad/x", 'BAD_NAME: "bad/x" is not a valid node name'],
    ["n01", "", 'BAD_NAME: "" is not a valid node name'],
    ["n01", "a\nb", 'BAD_NAME: "a\\nb" is not a valid node name'],
  ])("%j → %j", (from, to, why) => {
    expect(refusal(from, to)).toBe(why);
  });
});
