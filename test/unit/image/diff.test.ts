import { describe, expect, it } from "vitest";
import { diffManifests } from "../../../src/image/diff.js";
import type { ManifestEntry } from "../../../src/image/manifest.js";

const file = (path: string, overrides: Partial<ManifestEntry> = {}): ManifestEntry => ({ path, type: "f", mode: "0644", uid: 0, gid: 0, size: 1, sha256: "a".repeat(64), ...overrides });

describe("diffManifests", () => {
  it("sorts paths into added, changed and removed", () => {
    const from = [file("/etc/b"), file("/etc/a"), file("/gone"), file("/same")];
    const to = [file("/same"), file("/etc/a", { sha256: "b".repeat(64) }), file("/new"), file("/etc/b", { mode: "0600" }), file("/etc/c")];
    expect(diffManifests(from, to)).toEqual({ added: ["/etc/c", "/new"], changed: ["/etc/a", "/etc/b"], removed: ["/gone"] });
  });

  it.each([
    ["content", { sha256: "c".repeat(64) }],
    ["size", { size: 2 }],
    ["owner", { uid: 1000 }],
    ["group", { gid: 5 }],
    ["mode", { mode: "0755" }],
    ["type", { type: "l" as const, target: "/x", sha256: undefined }],
    ["link target", { type: "l" as const, target: "/y" }],
    ["device", { type: "c" as const, rdev: 7 }],
  ])("a change of %s is a change", (_what, change) => {
    const before = change.type === "l" && change.target === "/y" ? file("/p", { type: "l", target: "/x" }) : file("/p");
    expect(diffManifests([before], [file("/p", change)]).changed).toEqual(["/p"]);
  });

  it("identical manifests differ in nothing", () => {
    const entries = [file("/a"), file("/b", { type: "d", size: 0, sha256: undefined })];
    expect(diffManifests(entries, [...entries].reverse())).toEqual({ added: [], changed: [], removed: [] });
  });
});
