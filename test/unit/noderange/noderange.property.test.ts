import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { formatNodelsListing, nodelsListing } from "../../../src/noderange/listing.js";
import { MAX_EXPANSION, expandNoderange, isValidNodeName, type NoderangeContext } from "../../../src/noderange/noderange.js";

const nodes = ["node1", "node2", "node10", "n01", "gpu01", "sw1.cluster", "web-01"];
const groups: Record<string, string[]> = { compute: ["node1", "node2"], gpu: ["gpu01"], all: nodes, empty: [] };
const files: Record<string, string> = { "/f": "node1\n-node2\n# c\n^/f\n/node.*\ncompute,x[1-3]\n", "/g": "^/f\nnode1,^/g\n" };
const context: NoderangeContext = {
  allNodes: nodes,
  allGroups: Object.keys(groups),
  groupMembers: (name) => (Object.hasOwn(groups, name) ? groups[name] : undefined),
  readFile: (path) => {
    const text = Object.hasOwn(files, path) ? files[path] : undefined;
    if (text === undefined) throw new Error(`ENOENT: no such file\n${path}`);
    return text;
  },
  attributeNames: ["groups", "osimage"],
  attribute: (node, name) => (name === "groups" ? Object.keys(groups).filter((g) => groups[g]?.includes(node)).join(",") : node.length > 4 ? "long" : ""),
};

/** Noderange-shaped noise: the grammar's tokens in any order, with names, numbers and junk. */
const tokens = fc.constantFrom(
  "node", "n", "gpu", "compute", "all", "empty", "x", "sw1", ".cluster", "groups", "osimage", "nodelist.groups", "mgt",
  "0", "1", "01", "10", "99", "99999", "123456789012345678",
  "[", "]", "-", ":", "+", ",", "@", "(", ")", "/", "^", "^/f", "^/g", "^/nope",
  "=", "==", "!=", "=~", "!~", "!", "~", ".*", ".", "*", "?", "|", "\\", "$", "{2}", "#", " ", "\n", "\u00e9", "\u0000",
);
const noderangeLike = fc.array(tokens, { maxLength: 24 }).map((parts) => parts.join(""));
const anyText = fc.oneof(fc.string({ maxLength: 120 }), fc.string({ unit: "binary", maxLength: 120 }), noderangeLike, noderangeLike, noderangeLike);

describe("noderange properties", () => {
  it("any string yields valid node names or BAD_NODERANGE / UNKNOWN_OBJECT with a one-line message, never another exception", () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), (text, verify) => {
        let result: string[];
        try {
          result = expandNoderange(text, context, { verify });
        } catch (error) {
          if (!isSyscloneError(error, "BAD_NODERANGE") && !isSyscloneError(error, "UNKNOWN_OBJECT")) throw error;
          expect(error.message).not.toMatch(/[\n\r]/);
          return;
        }
        expect(result.length).toBeLessThanOrEqual(MAX_EXPANSION);
        expect(new Set(result).size).toBe(result.length);
        for (const name of result) expect(isValidNodeName(name)).toBe(true);
        if (verify) for (const name of result) expect(nodes).toContain(name);
      }),
      { numRuns: 3000 },
    );
  });

  it("nodels columns are shown, selected on or refused with BAD_ATTRIBUTE, never another exception", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(noderangeLike, fc.string({ maxLength: 20 })), { maxLength: 4 }), fc.boolean(), (columns, withFieldname) => {
        try {
          const lines = formatNodelsListing(nodelsListing(nodes, columns, withFieldname, { attributeNames: ["groups", "osimage"], attribute: (n, a) => context.attribute?.(n, a) ?? "" }));
          for (const line of lines) expect(nodes.some((node) => line === node || line.startsWith(`${node}: `))).toBe(true);
        } catch (error) {
          if (!isSyscloneError(error, "BAD_ATTRIBUTE")) throw error;
          expect(error.message).not.toMatch(/[\n\r]/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  const name = fc.stringMatching(/^[a-z][a-z-]{0,6}[a-z]$/);

  it("a comma list of plain new names is those names, first appearance kept", () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 8 }), (names) => {
        expect(expandNoderange(names.join(","), { allNodes: [], groupMembers: () => undefined })).toEqual([...new Set(names)]);
      }),
    );
  });

  it("prefix[a-b], prefix[a:b], prefixA-prefixB and prefixA+(B-A) name the same nodes", () => {
    fc.assert(
      fc.property(name, fc.nat(500), fc.nat(50), (prefix, from, extra) => {
        const to = from + extra;
        const expected = Array.from({ length: extra + 1 }, (_, i) => `${prefix}${from + i}`);
        const empty: NoderangeContext = { allNodes: [], groupMembers: () => undefined };
        for (const range of [`${prefix}[${from}-${to}]`, `${prefix}[${from}:${to}]`, `${prefix}${from}-${prefix}${to}`, `${prefix}${from}:${prefix}${to}`, `${prefix}${from}+${extra}`]) {
          expect(expandNoderange(range, empty)).toEqual(expected);
        }
      }),
    );
  });

  it("exclusion wins wherever it stands: R,-R and -R,R are empty", () => {
    const ranges = fc.constantFrom("compute", "(node1,gpu01)", "/node.*", "all", "groups=~gpu", "(compute,gpu)", "all@compute");
    fc.assert(
      fc.property(ranges, (range) => {
        expect(expandNoderange(range, context).length).toBeGreaterThan(0);
        expect(expandNoderange(`${range},-${range}`, context)).toEqual([]);
        expect(expandNoderange(`-${range},${range}`, context)).toEqual([]);
      }),
    );
  });
});
