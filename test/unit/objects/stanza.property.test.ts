import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { formatStanzas, parseStanzas, type StanzaObject } from "../../../src/objects/stanza.js";

const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/).filter((n) => !n.startsWith("default-"));
const attributeName = fc.stringMatching(/^[A-Za-z_][\w.]{0,15}$/).filter((n) => n !== "objtype");
/** Any text on one line: blanks, quotes, =, :, # and non-ASCII included. */
const value = fc.string({ unit: fc.oneof(fc.constantFrom(" ", "\t", '"', "'", "=", ":", "#", "\r", "é", "\u00a0"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 30 }).filter((v) => !v.includes("\n"));
const object: fc.Arbitrary<StanzaObject> = fc.record({
  name,
  type: fc.constantFrom("node", "group", "osimage"),
  attributes: fc.dictionary(attributeName, value, { maxKeys: 6 }),
});
const objects = fc.uniqueArray(object, { selector: (o) => `${o.type} ${o.name}`, maxLength: 6 });

/** Stanza-shaped noise: headers, defaults, attribute lines, comments and junk in any order. */
const stanzaLike = fc
  .array(
    fc.oneof(
      name.map((n) => `${n}:`),
      fc.constantFrom("default-node:", "objtype=node", "objtype=group", "  objtype=osimage", "# c", "", "=x", ":", "a b=c"),
      fc.tuple(attributeName, value).map(([k, v]) => `  ${k} = ${v}`),
      fc.string(),
    ),
    { maxLength: 12 },
  )
  .map((lines) => lines.join("\n"));

describe("stanza parser properties", () => {
  it("arbitrary text either parses or is refused with BAD_STANZA, never another exception", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), stanzaLike), (text) => {
        try {
          parseStanzas(text);
        } catch (error) {
          if (!isSyscloneError(error, "BAD_STANZA")) throw error;
          expect(error.message).not.toMatch(/[\n\r]/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("parse(render(objects)) gives the objects back", () => {
    fc.assert(
      fc.property(objects, (generated) => {
        expect(parseStanzas(formatStanzas(generated))).toEqual(generated);
      }),
      { numRuns: 1000 },
    );
  });
});
