import { describe, expect, it } from "vitest";
import { parseNodesetAction } from "../../../src/boot/destiny.js";
import { destinies, isDestiny, isInstallDestiny, isNodeState, nodeStates } from "../../../src/objects/node-state.js";

describe("node states and destinies", () => {
  it("every destiny nodeset can set is a known one, and installs are the install destinies", () => {
    const set = ["boot", "shell", "install", "osimage=x", "wipe,install", "wipe,osimage=x"].map((text) => parseNodesetAction(text).destiny);
    expect(new Set(set)).toEqual(new Set(destinies));
    expect(destinies.filter((d) => isInstallDestiny(d))).toEqual(["install", "wipe,install"]);
  });

  it("knows the stored words and nothing else", () => {
    expect(nodeStates.every(isNodeState) && destinies.every(isDestiny)).toBe(true);
    expect(["", "Ready", "installed ", "finished", undefined].some(isNodeState)).toBe(false);
    expect(["", "wipe", "osimage=x", "install,wipe", undefined].some(isDestiny)).toBe(false);
  });
});
