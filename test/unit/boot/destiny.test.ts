import { describe, expect, it } from "vitest";
import { isInstallDestiny, parseNodesetAction } from "../../../src/boot/destiny.js";

describe("nodeset actions and chains", () => {
  it("reads single actions and the wipe-then-install chain", () => {
    expect(parseNodesetAction("osimage=rocky9")).toEqual({ destiny: "install", osimage: "rocky9" });
    expect(parseNodesetAction("install")).toEqual({ destiny: "install" });
    expect(parseNodesetAction("boot")).toEqual({ destiny: "boot" });
    expect(parseNodesetAction("shell")).toEqual({ destiny: "shell" });
    expect(parseNodesetAction("wipe,osimage=rocky9")).toEqual({ destiny: "wipe,install", osimage: "rocky9" });
    expect(parseNodesetAction("wipe,install")).toEqual({ destiny: "wipe,install" });
  });

  it("refuses chains that cannot run, saying why", () => {
    expect(() => parseNodesetAction("reinstall")).toThrow(/unknown task "reinstall"/);
    expect(() => parseNodesetAction("wipe")).toThrow(/wipe must come first and be followed by an install/);
    expect(() => parseNodesetAction("osimage=a,wipe")).toThrow(/wipe must come first/);
    expect(() => parseNodesetAction("wipe,shell")).toThrow(/wipe must come first and be followed by an install/);
    expect(() => parseNodesetAction("install,boot")).toThrow(/boot and shell stand alone/);
    expect(() => parseNodesetAction("wipe,wipe,install")).toThrow(/appears twice/);
    expect(() => parseNodesetAction("wipe,,install")).toThrow(/empty task/);
    expect(() => parseNodesetAction("osimage=")).toThrow(/needs a name/);
  });

  it("knows which destinies install", () => {
    expect(["install", "wipe,install", "boot", "shell", "", undefined].map((d) => isInstallDestiny(d))).toEqual([true, true, false, false, false, false]);
  });
});
