import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseNodesetAction } from "../../../src/boot/destiny.js";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { formatPin, pinnedVersionOf } from "../../../src/objects/pin.js";

/** The code a call throws, "ok", or "other" for anything but a SyscloneError. */
function codeOf(work: () => unknown): string {
  try {
    work();
    return "ok";
  } catch (error) {
    return isSyscloneError(error) ? error.code : "other";
  }
}


describe("nodeset osimage=NAME@N pins a version", () => {
  it.each([
    ["osimage=rocky9@3", { destiny: "install", osimage: "rocky9", version: 3 }],
    ["wipe,osimage=rocky9@12", { destiny: "wipe,install", osimage: "rocky9", version: 12 }],
    ["osimage=rocky9", { destiny: "install", osimage: "rocky9" }],
  ])("%s", (text, expected) => {
    expect(parseNodesetAction(text)).toEqual(expected);
  });

  it.each(["osimage=rocky9@", "osimage=rocky9@0", "osimage=rocky9@x", "osimage=rocky9@1@2", "osimage=rocky9@-1", "osimage=@3", "osimage=rocky9@01"])("refuses %s with USAGE", (text) => {
    expect(codeOf(() => parseNodesetAction(text))).toBe("USAGE");
  });

  it("any text: an action or USAGE, never another exception", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).map((tail) => `osimage=${tail}`), (text) => {
        try {
          const action = parseNodesetAction(text);
          if (action.version !== undefined) expect(Number.isInteger(action.version) && action.version > 0).toBe(true);
        } catch (error) {
          expect(isSyscloneError(error, "USAGE")).toBe(true);
        }
      }),
    );
  });
});

describe("a node's pin", () => {
  it.each([
    [{ osimagepin: "rocky9@3" }, "rocky9", 3],
    [{ osimagepin: "rocky9@3" }, "alma", undefined],
    [{ osimagepin: "" }, "rocky9", undefined],
    [{}, "rocky9", undefined],
    [{ osimagepin: "a@b@4" }, "a@b", 4],
    [{ osimagepin: "rocky9@x" }, "rocky9", undefined],
  ])("%j for %s is %s", (attributes, image, version) => {
    expect(pinnedVersionOf(attributes, image)).toBe(version);
  });

  it("reads back what it writes", () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), fc.integer({ min: 1, max: 999_999_999 }), (image, version) => {
      expect(pinnedVersionOf({ osimagepin: formatPin(image, version) }, image)).toBe(version);
    }));
  });
});
