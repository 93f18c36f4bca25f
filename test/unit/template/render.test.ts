import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError, SyscloneError } from "../../../src/errors/errors.js";
import { effectiveVars, renderTemplate, type TemplateContext } from "../../../src/template/render.js";

const context: TemplateContext = {
  node: { name: "n01", attributes: { hostname: "n01.lab", ip: "10.0.0.11", mac: "52:54:00:00:00:11", gateway: "", "vars.rack": "r1-node", "vars.slot": "7" } },
  // Strongest last: rack1 (priority 10) beats compute (priority 50).
  groups: [
    { name: "compute", attributes: { priority: "50", "vars.rack": "r-compute", "vars.ntp": "10.0.0.2", "vars.role": "worker" } },
    { name: "rack1", attributes: { priority: "10", "vars.ntp": "10.0.0.1" } },
  ],
  osimage: { name: "rocky9", version: 4, attributes: { description: "from KIWI", "vars.ntp": "pool.ntp.org", "vars.site": "lab" } },
};

function refusal(text: string): SyscloneError {
  try {
    renderTemplate(text, context, "overrides/n01/etc/x.tmpl");
  } catch (error) {
    if (isSyscloneError(error)) return error;
    throw error;
  }
  throw new Error(`rendered without refusal: ${text}`);
}

describe("renderTemplate", () => {
  it.each([
    ["plain text, no placeholders\n", "plain text, no placeholders\n"],
    ["{{node.name}} {{node.hostname}} {{ node.ip }}", "n01 n01.lab 10.0.0.11"],
    ["{{node.mac}}", "52:54:00:00:00:11"],
    ["{{group.rack1.priority}} {{group.compute.name}}", "10 compute"],
    ["{{osimage.name}} v{{osimage.version}}: {{osimage.description}}", "rocky9 v4: from KIWI"],
    // node > groups (strongest first) > osimage
    ["{{vars.rack}} {{vars.ntp}} {{vars.role}} {{vars.site}} {{vars.slot}}", "r1-node 10.0.0.1 worker lab 7"],
    ["{{node.vars.rack}} {{osimage.vars.ntp}}", "r1-node pool.ntp.org"],
    ["gw={{node.gateway|10.0.0.254}} dns={{node.gateway|}}.", "gw=10.0.0.254 dns=."],
    ["{{vars.rack|ignored}}", "r1-node"],
    ["literal \\{{node.name}} and {{node.name}}", "literal {{node.name}} and n01"],
    ["}} alone, { and {x} stay", "}} alone, { and {x} stay"],
    ["a\\b \\\\{{", "a\\b \\{{"],
    ["", ""],
  ])("renders %j", (text, expected) => {
    expect(renderTemplate(text, context, "t")).toBe(expected);
  });

  it.each([
    ["line1\nline2 {{vars.nothere}}\n", 2, "unknown placeholder {{vars.nothere}}: vars.nothere is set on neither node n01"],
    ["\n\n{{node.bogus}}", 3, "unknown placeholder {{node.bogus}}: node n01 has no attribute bogus"],
    ["{{group.other.priority}}", 1, "node n01 is not in group other"],
    ["{{group.rack1}}", 1, "write group.NAME.ATTR"],
    ["{{osimage.nope}}", 1, "osimage rocky9 has no attribute nope"],
    ["x\n{{ what ever }}", 2, "is not a placeholder"],
    ["{{node.name", 1, "is not closed"],
    ["{{node.name\n}}", 1, "is not closed"],
    ["{{node.gateway}}", 1, "{{node.gateway}} has no value for node n01"],
    ["{{}}", 1, "is not a placeholder"],
    ["{{rack}}", 1, "placeholders are node.ATTR"],
  ])("refuses %j at line %i with BAD_TEMPLATE naming the file", (text, line, message) => {
    const error = refusal(text);
    expect(error.code).toBe("BAD_TEMPLATE");
    expect(error.message).toContain(`overrides/n01/etc/x.tmpl:${line}: `);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("\n");
  });

  it("vars precedence: node over groups (strongest first) over osimage", () => {
    expect(effectiveVars(context)).toEqual({ rack: "r1-node", ntp: "10.0.0.1", role: "worker", site: "lab", slot: "7" });
  });

  it("any text and any context: renders or refuses with BAD_TEMPLATE, never anything else", () => {
    const attributes = fc.dictionary(fc.oneof(fc.constantFrom("hostname", "ip", "vars.a", "vars.b", "priority"), fc.string()), fc.string());
    const arbitraryContext = fc.record({
      node: fc.record({ name: fc.string(), attributes }),
      groups: fc.array(fc.record({ name: fc.string(), attributes: fc.option(attributes, { nil: undefined }) })),
      osimage: fc.record({ name: fc.string(), version: fc.integer(), attributes }),
    });
    const piece = fc.oneof(fc.string(), fc.constantFrom("{{", "}}", "\\{{", "|", ".", "\n", "{{vars.a}}", "{{node.hostname|x}}", "{{group.g.priority}}", "{{osimage.name}}"));
    fc.assert(
      fc.property(fc.array(piece).map((p) => p.join("")), arbitraryContext, (text, ctx) => {
        try {
          const out = renderTemplate(text, ctx, "f");
          if (!text.includes("{{")) expect(out).toBe(text);
        } catch (error) {
          if (!isSyscloneError(error, "BAD_TEMPLATE")) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
