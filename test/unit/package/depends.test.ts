import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderControl } from "../../../src/package/control.js";
import { packageRelations, runtimeNeeds, testOnlyTools } from "../../../src/package/depends.js";

const root = path.resolve(import.meta.dirname, "..", "..", "..");

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Programs the server-side code spawns: run/must/execa("tool", …), must("what", "tool", …), daemons' command: "tool". */
function spawnedPrograms(): Map<string, string> {
  const found = new Map<string, string>();
  const call = /\b(?:execa|run|must)\(\s*(?:"[^"]*\s[^"]*",\s*)?"([A-Za-z0-9][\w.+-]*)"/g;
  const daemon = /\bcommand:\s*"([A-Za-z0-9][\w.+-]*)"/g;
  for (const file of [...sources("src"), ...sources("server")].filter((f) => !f.includes(`${path.sep}demo${path.sep}`))) {
    const text = readFileSync(file, "utf8");
    for (const pattern of [call, daemon]) for (const match of text.matchAll(pattern)) found.set(match[1] ?? "", path.relative(root, file));
  }
  const build = readFileSync(path.join(root, "agent", "initrd", "build.sh"), "utf8");
  for (const list of build.matchAll(/^(?:required|optional)_tools=\(([^)]*)\)/gm)) {
    for (const tool of (list[1] ?? "").split(/\s+/).filter((t) => t !== "")) found.set(tool, "agent/initrd/build.sh");
  }
  return found;
}

describe("the package's dependencies follow what the code spawns", () => {
  it("every program the server-side code or the initrd build runs is in the table (or is the bundled node)", () => {
    const known = new Set([...runtimeNeeds.map((n) => n.tool), "node"]);
    const missing = [...spawnedPrograms()].filter(([tool]) => !known.has(tool)).map(([tool, file]) => `${tool} (${file})`);
    expect(missing, "add them to src/package/depends.ts").toEqual([]);
  });

  it("the scan finds what serve runs, so it is not vacuous", () => {
    expect([...spawnedPrograms().keys()]).toEqual(expect.arrayContaining(["rsync", "dnsmasq", "udp-sender", "busybox", "mdadm"]));
  });

  it("no test-only tool is a dependency", () => {
    for (const need of runtimeNeeds) expect(testOnlyTools, need.tool).not.toContain(need.tool);
  });

  it("Depends has the libraries' packages first-class and no duplicates; Recommends never repeats a dependency", () => {
    const { depends, recommends } = packageRelations(runtimeNeeds, ["libc6 (>= 2.36)", "libstdc++6 (>= 12)"]);
    expect(depends).toEqual([...new Set(depends)]);
    expect(depends).toEqual(expect.arrayContaining(["rsync", "dnsmasq-base", "ipxe", "udpcast", "libc6 (>= 2.36)"]));
    expect(depends).not.toContain("bash");
    for (const name of recommends) expect(depends).not.toContain(name);
    expect(recommends).toContain("ipmitool");
  });

  it("renders a control file dpkg-deb takes", () => {
    const control = renderControl({ version: "1.2.3", description: "Golden-image capture", installedSizeKiB: 42, libraryPackages: ["libc6 (>= 2.36)"] });
    expect(control).toMatch(/^Package: sysclone\nVersion: 1\.2\.3\nArchitecture: amd64\n/);
    expect(control).toMatch(/\nInstalled-Size: 42\n/);
    expect(control).toMatch(/\nDescription: golden-image capture\n /);
    expect(control.endsWith("\n")).toBe(true);
    for (const line of control.split("\n").filter((l) => l !== "")) expect(line).toMatch(/^([A-Z][\w-]*: \S| \S)/);
  });
});
