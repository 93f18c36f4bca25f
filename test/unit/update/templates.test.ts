import { describe, expect, it } from "vitest";
import { landedOverrideFiles } from "../../../src/update/templates.js";

describe("landedOverrideFiles", () => {
  it("names a template's file as it lands on the node; other files as they are", () => {
    expect(landedOverrideFiles(["etc/motd.tmpl", "etc/plain", "etc/.tmpl", "a.tmpl.bak", "srv/x.tmpl"])).toEqual(["etc/motd", "etc/plain", "etc/.tmpl", "a.tmpl.bak", "srv/x"]);
  });
});
