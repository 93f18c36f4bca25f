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

  const link = (target: string): ManifestEntry => ({ path: "/p", type: "l", mode: "0777", uid: 0, gid: 0, size: 0, target });
  it.each<[string, ManifestEntry, ManifestEntry]>([
    ["content", file("/p"), file("/p", { sha256: "c".repeat(64) })],
    ["size", file("/p"), file("/p", { size: 2 })],
    ["owner", file("/p"), file("/p", { uid: 1000 })],
    ["group", file("/p"), file("/p", { gid: 5 })],
    ["mode", file("/p"), file("/p", { mode: "0755" })],
    ["type", file("/p"), link("/x")],
    ["link target", link("/x"), link("/y")],
    ["device", { path: "/p", type: "c", mode: "0600", uid: 0, gid: 0, size: 0, rdev: 1 }, { path: "/p", type: "c", mode: "0600", uid: 0, gid: 0, size: 0, rdev: 7 }],
  ])("a change of %s is a change", (_what, before, after) => {
    expect(diffManifests([before], [after]).changed).toEqual(["/p"]);
  });

  it("identical manifests differ in nothing", () => {
    const entries: ManifestEntry[] = [file("/a"), { path: "/b", type: "d", mode: "0755", uid: 0, gid: 0, size: 0 }];
    expect(diffManifests(entries, [...entries].reverse())).toEqual({ added: [], changed: [], removed: [] });
  });
});
