import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { checkFingerprintUse, chooseSteps } from "../../../src/update/steps.js";

function refusal(work: () => unknown): { code: string; message: string } | undefined {
  try {
    work();
  } catch (error) {
    return isSyscloneError(error) ? { code: error.code, message: error.message } : { code: "not a SyscloneError", message: String(error) };
  }
  return undefined;
}

const none = { keys: false, sync: false, software: false, postscripts: false } as const;

describe("updatenode -k runs alone", () => {
  it.each([
    [{ sync: true }, "-F"],
    [{ software: true }, "-S"],
    [{ postscripts: true }, "-P"],
    [{ postscripts: ["update_network"] }, "-P"],
    [{ sync: true, software: true, postscripts: true }, "-F -S -P"],
  ])("refuses -k with %j", (flags, named) => {
    expect(refusal(() => chooseSteps({ ...none, keys: true, ...flags }))).toEqual({ code: "USAGE", message: `updatenode -k runs alone, not with ${named}` });
  });

  it("runs the keys step and nothing else", () => {
    expect(chooseSteps({ ...none, keys: true })).toEqual(["keys"]);
  });
});

describe("--fingerprint", () => {
  const fingerprint = "SHA256:HTTpUg5QUnj/zgTpSzEWee9OkRiFmAuheV0jDbFu2mM";
  it("goes with -k, on one node", () => {
    expect(refusal(() => checkFingerprintUse(["keys"], fingerprint, ["n01"]))).toBeUndefined();
    expect(refusal(() => checkFingerprintUse(["keys"], undefined, ["n01", "n02"]))).toBeUndefined();
    expect(refusal(() => checkFingerprintUse(["postscripts"], fingerprint, ["n01"]))).toEqual({ code: "USAGE", message: "--fingerprint goes with -k" });
    expect(refusal(() => checkFingerprintUse(["keys"], fingerprint, ["n01", "n02"]))?.message).toBe("--fingerprint names one node's key, and the noderange holds 2 nodes");
  });
});
