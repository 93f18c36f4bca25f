import { describe, expect, it } from "vitest";
import { scriptsOf } from "../../../src/install/resolve.js";

describe("scriptsOf: which pre-install scripts a node runs", () => {
  it("takes the osimage's, then its groups' from the weakest to the one that wins, then the node's own, each once", () => {
    const groups = [{ attributes: { prescripts: "check-bios,raid" } }, { attributes: undefined }, { attributes: { prescripts: "raid,firmware" } }];
    expect(scriptsOf("prescripts", { prescripts: "wipe-check" }, groups, { prescripts: "firmware,node-only" })).toEqual(["wipe-check", "check-bios", "raid", "firmware", "node-only"]);
    expect(scriptsOf("prescripts", {}, [], {})).toEqual([]);
    expect(scriptsOf("postscripts", { postscripts: "update_network", prescripts: "raid" }, [], {})).toEqual(["update_network"]);
  });
});
