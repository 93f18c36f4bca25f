import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { normaliseAttributes } from "../../../src/objects/schema.js";
import { isVarKey, varsFromColumn, varsOf } from "../../../src/objects/vars.js";

describe("vars.KEY attributes", () => {
  it.each([
    ["rack", true], ["_x", true], ["rack-id", true], ["Rack_12", true], ["k".repeat(64), true],
    ["", false], ["1rack", false], ["-x", false], ["a.b", false], ["a b", false], ["ä", false], ["k".repeat(65), false], ["a=b", false],
  ])("key %j: %s", (key, valid) => {
    expect(isVarKey(key)).toBe(valid);
  });

  it("normaliseAttributes keeps vars on every type, trims values, clears with empty and refuses bad keys and values", () => {
    for (const type of ["node", "group", "osimage"] as const) {
      expect(normaliseAttributes(type, { "vars.rack": " r12 ", "vars.ntp": "" })).toEqual({ "vars.rack": "r12", "vars.ntp": "" });
    }
    expect(() => normaliseAttributes("node", { "vars.a.b": "x" })).toThrow(/"vars.a.b": "a.b" is not a vars key/);
    expect(() => normaliseAttributes("group", { "vars.rack": "a\nb" })).toThrow(/line break or control character/);
    expect(() => normaliseAttributes("osimage", { "vars.big": "x".repeat(4097) })).toThrow(/longer than 4096/);
  });

  it("any attribute name and value: normalised or refused with BAD_ATTRIBUTE", () => {
    fc.assert(
      fc.property(fc.constantFrom("node", "group", "osimage"), fc.string().map((k) => `vars.${k}`), fc.string(), (type, name, value) => {
        try {
          normaliseAttributes(type, { [name]: value });
        } catch (error) {
          if (!isSyscloneError(error, "BAD_ATTRIBUTE")) throw error;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the stored column reads back as sorted vars.KEY attributes; anything unreadable as none", () => {
    expect(varsFromColumn('{"b":"2","a":"1"}')).toEqual({ "vars.a": "1", "vars.b": "2" });
    expect(Object.keys(varsFromColumn('{"b":"2","a":"1"}'))).toEqual(["vars.a", "vars.b"]);
    for (const bad of ["", "not json", "[]", "null", '"x"', '{"a":1,"bad key":"x"}']) expect(varsFromColumn(bad)).toEqual({});
    fc.assert(fc.property(fc.string(), (text) => typeof varsFromColumn(text) === "object"));
  });

  it("varsOf: the set vars of an object, by KEY", () => {
    expect(varsOf({ hostname: "n01", "vars.rack": "r1", "vars.gone": "" })).toEqual({ rack: "r1" });
    expect(varsOf(undefined)).toEqual({});
  });
});
