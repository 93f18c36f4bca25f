import { describe, expect, it } from "vitest";
import { renderPlan, writeTemplateLines } from "../../../src/plan/render.js";
import { planClone, type PlanInput } from "../../../src/plan/planner.js";

const input: PlanInput = {
  layout: { disks: [], raids: [], volumeGroups: [], filesystems: [], devstyle: "udev" },
  inventory: { disks: [], nics: [], firmware: "bios", targetDirectory: "/srv/vn01" },
  node: { name: "vn01", allowSmaller: false, finalAction: "none" },
  image: { name: "img", version: 3, usedBytes: 1, allowSmaller: false, transport: "rsync", verify: false },
  overrides: [
    { scope: "image", name: "img" },
    { scope: "node", name: "vn01", templates: [{ path: "etc/motd", content: "it's vn01\n$HOME `x`\n", mode: 0o640, uid: 0, gid: 4 }] },
  ],
  postscripts: [],
  serverUrl: "http://10.0.0.1:8080",
  rsyncPort: 8873,
  newUuid: () => "00000000-0000-4000-8000-000000000001",
};

describe("templates in the clone plan", () => {
  it("an override with templates: its plain files without *.tmpl, then each rendered file with the template's owner and mode", () => {
    const plan = planClone(input);
    expect(plan.overrides.map((o) => [o.name, o.templates?.length ?? 0])).toEqual([["img", 0], ["vn01", 1]]);
    expect(plan.overrides[0]).not.toHaveProperty("templates");
    const script = renderPlan(plan);
    const lines = script.split("\n");
    const node = lines.findIndex((l) => l.includes("ovr-node-vn01"));
    expect(lines[node]).toBe("sc_fetch rsync -aHAX --numeric-ids --ignore-times '--exclude=*.tmpl' rsync://vn01@10.0.0.1:8873/ovr-node-vn01/ /srv/vn01/");
    expect(lines.slice(node + 1, node + 6)).toEqual(["rm -f /srv/vn01/etc/motd", "printf %s 'it'\\''s vn01", "$HOME `x`", "' > /srv/vn01/etc/motd", "chown 0:4 /srv/vn01/etc/motd"]);
    expect(lines[node + 6]).toBe("chmod 0640 /srv/vn01/etc/motd");
    expect(lines.find((l) => l.includes("ovr-image-img"))).not.toContain("--exclude");
  });

  it("writeTemplateLines quotes the content and the path for sh", () => {
    expect(writeTemplateLines("/a/etc/x y", { path: "etc/x y", content: "a'b", mode: 0o4755, uid: 12, gid: 34 })).toEqual([
      "rm -f '/a/etc/x y'", "printf %s 'a'\\''b' > '/a/etc/x y'", "chown 12:34 '/a/etc/x y'", "chmod 4755 '/a/etc/x y'",
    ]);
  });
});
