import fc from "fast-check";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { discoveredName, identify, normaliseMac, type KnownMachine } from "../../../src/boot/identity.js";
import { renderTemplate } from "../../../src/boot/template.js";

const machine = (name: string, macs: string[], uuid = "", serial = "", discovered = false): KnownMachine => ({ name, macs, uuid, serial, discovered });
const fleet = [
  machine("n01", ["52:54:00:00:00:01"], "4c4c4544-0001-0000-0000-000000000001", "SN001"),
  machine("n02", ["52:54:00:00:00:02", "52:54:00:00:01:02"], "", "SN002"),
  machine("n03", [], "4c4c4544-0003-0000-0000-000000000003", "SN003"),
  machine("discovered-525400000009", ["52:54:00:00:00:09"], "", "", true),
  machine("n09", ["52:54:00:00:00:09"]),
  machine("twin-a", ["52:54:00:00:00:0a"]),
  machine("twin-b", ["52:54:00:00:00:0a"]),
];

describe("identify a booting machine", () => {
  it.each([
    ["a MAC, in iPXE's hyphen form", { macs: ["52-54-00-00-00-01"] }, { kind: "node", name: "n01", stale: [] }],
    ["a second NIC's MAC", { macs: ["52:54:00:00:01:02"] }, { kind: "node", name: "n02", stale: [] }],
    ["the DMI UUID when no MAC matches", { macs: ["52:54:00:99:99:99"], uuid: "4C4C4544-0003-0000-0000-000000000003" }, { kind: "node", name: "n03", stale: [] }],
    ["the serial when nothing else matches", { macs: ["52:54:00:99:99:99"], serial: "SN003" }, { kind: "node", name: "n03", stale: [] }],
    ["a UUID of a node whose MAC is another box's: a duplicate", { macs: ["52:54:00:99:99:99"], uuid: "4c4c4544-0001-0000-0000-000000000001" }, { kind: "duplicate", name: "n01", via: "uuid", nodeMacs: ["52:54:00:00:00:01"] }],
    ["a serial of a node whose MACs are another box's: a duplicate", { macs: ["52:54:00:99:99:99"], serial: "SN002" }, { kind: "duplicate", name: "n02", via: "serial", nodeMacs: ["52:54:00:00:00:02", "52:54:00:00:01:02"] }],
    ["a defined node over its discovered record, which becomes stale", { macs: ["52:54:00:00:00:09"] }, { kind: "node", name: "n09", stale: ["discovered-525400000009"] }],
    ["nothing: unknown", { macs: ["52:54:00:99:99:99"] }, { kind: "unknown" }],
    ["a placeholder UUID and serial are no identity", { macs: ["52:54:00:99:99:99"], uuid: "03000200-0400-0500-0006-000700080009", serial: "To Be Filled By O.E.M." }, { kind: "unknown" }],
    ["two nodes with one MAC: a conflict", { macs: ["52:54:00:00:00:0a"] }, { kind: "conflict", names: ["twin-a", "twin-b"] }],
  ])("by %s", (_what, report, expected) => {
    expect(identify(fleet, report)).toEqual(expected);
  });

  it("normalises MACs and names discovered machines after the first usable one", () => {
    expect(normaliseMac("52-54-00-AB-CD-EF")).toBe("52:54:00:ab:cd:ef");
    expect(normaliseMac("00:00:00:00:00:00")).toBeUndefined();
    expect(normaliseMac("52:54")).toBeUndefined();
    expect(discoveredName({ macs: ["garbage", "52:54:00:ab:cd:ef"] })).toBe("discovered-525400abcdef");
  });

  it("normalises any text as the regular expressions it replaced did (lowercase, keep hex digits, exactly 12, not all zero)", () => {
    const reference = (text: string): string | undefined => {
      const hex = text.toLowerCase().replace(/[^0-9a-f]/g, "");
      if (hex.length !== 12 || /^0+$/.test(hex)) return undefined;
      return hex.match(/../g)?.join(":");
    };
    const macLike = fc.array(fc.constantFrom(..."0123456789abcdefABCDEF:-. gGzZ\u00e9\u212a"), { maxLength: 20 }).map((chars) => chars.join(""));
    fc.assert(fc.property(fc.oneof(fc.string(), macLike), (text) => normaliseMac(text) === reference(text)), { numRuns: 5000 });
    for (const text of ["52-54-00-AB-CD-EF", "5254.00ab.cdef", "525400abcdef0", "0:0:0:0:0:0:0:0:0:0:0:1", ""]) expect(normaliseMac(text)).toBe(reference(text));
  });
});

describe("boot scripts: every variant rendered whole against its stored copy", () => {
  const templates = path.join(import.meta.dirname, "..", "..", "..", "server", "templates");
  const server = "http://10.0.0.1:8080";
  const cases: [string, Record<string, string>][] = [
    ["boot", { server }],
    ["install", { server, node: "n01", osimage: "rocky9", token: "AbC-123_xyz", onfail: "shell" }],
    ["local", { server, node: "n01", reason: "installed" }],
    ["discovered", { server, node: "discovered-525400abcdef", mac: "52:54:00:ab:cd:ef", wait: "30" }],
    ["conflict", { server, problem: "this machine matches more than one node (twin-a, twin-b)", fix: "fix the mac, uuid or serial of these nodes", wait: "30" }],
    ["problem", { server, node: "n01", message: "osimage rocky9 has no clone initrd (sysclone initrd build rocky9)", wait: "30" }],
  ];
  it.each(cases)("%s", async (name, data) => {
    const rendered = renderTemplate(await readFile(path.join(templates, `${name}.ipxe`), "utf8"), data);
    expect(rendered).not.toMatch(/\{\{/);
    await expect(rendered).toMatchFileSnapshot(path.join(import.meta.dirname, "..", "..", "fixtures", "boot", `${name}.ipxe`));
  });

  it("refuses a value that would inject iPXE commands, and a missing value", () => {
    expect(() => renderTemplate("kernel {{node}}", { node: "n01\nshell" })).toThrow(/not safe/);
    expect(() => renderTemplate("kernel {{node}}", { node: "${net0/ip}" })).toThrow(/not safe/);
    expect(() => renderTemplate("kernel {{node}}", {})).toThrow(/needs a value for node/);
  });
});
