import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "./quote.js";
import type { Attributes } from "./schema.js";

export interface StanzaObject {
  readonly name: string;
  readonly type: string;
  readonly attributes: Attributes;
}

/** The first line xCAT's `lsdef -z` writes (xcatstanzafile(5) files may start with it). */
export const STANZA_FILE_HEADER = "# <xCAT data object stanza file>";

const ATTRIBUTE_NAME = /^[A-Za-z_][\w.]*$/;
const DEFAULT_HEADER = /^default-(.+)$/;

/** xCAT's lsdef look: "Object name: x" and indented attr=value lines; empty values are not shown. */
export function formatListing(objects: readonly StanzaObject[]): string {
  return objects
    .map((object) => {
      const set = Object.fromEntries(Object.entries(object.attributes).filter(([, value]) => value !== ""));
      return [`Object name: ${object.name}`, ...attributeLines(set)].join("\n");
    })
    .join("\n\n");
}

/**
 * xCAT's stanza file, as `lsdef -z` writes it: the header comment, then per object "name:",
 * "objtype=…" and every attribute given (an empty one as `attr=`). parseStanzas reads it back.
 */
export function formatStanzas(objects: readonly StanzaObject[]): string {
  const stanzas = objects.map((object) => {
    if (/\s|=/.test(object.name) || object.name === "" || object.name.startsWith("#") || DEFAULT_HEADER.test(object.name)) {
      throw new SyscloneError("BAD_STANZA", `${object.type} ${quoteInput(object.name)} cannot be written as a stanza header`, {
        hint: "rename it: names of letters, digits, . _ - that do not start with default- can be",
      });
    }
    return ["", `${object.name}:`, `    objtype=${renderValue(object.type, object.name, "objtype")}`, ...attributeLines(object.attributes, object.name)].join("\n");
  });
  return [STANZA_FILE_HEADER, ...stanzas].join("\n").concat("\n");
}

function attributeLines(attributes: Attributes, owner?: string): string[] {
  return Object.entries(attributes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `    ${name}=${owner === undefined ? value : renderValue(value, owner, name)}`);
}

/** Quoted when reading it back would otherwise lose surrounding blanks or a pair of quotes. */
function renderValue(value: string, owner: string, name: string): string {
  if (value.includes("\n")) {
    throw new SyscloneError("BAD_STANZA", `${owner} ${name} holds a line break and cannot be written as a stanza`, { hint: `set it again without one: chdef ${owner} ${name}=…` });
  }
  return value !== value.trim() || stripQuotes(value) !== value ? `"${value}"` : value;
}

/** One pair of matching double or single quotes around a value is taken off, as xCAT does. */
function stripQuotes(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}

interface OpenStanza {
  readonly kind: "default" | "object";
  readonly name: string;
  readonly line: number;
  type: string;
  /** Maps, so a name such as __proto__ is data like any other. */
  readonly attributes: Map<string, string>;
}

function bad(line: number, what: string, hint = 'a stanza is a "name:" header line, then attr=value lines'): SyscloneError {
  return new SyscloneError("BAD_STANZA", `stanza line ${line}: ${what}`, { hint });
}

/**
 * Read an xcatstanzafile(5): "name:" headers, attr=value lines (blanks around names, "=" and
 * values ignored, one pair of quotes taken off a value), # comments. "default-TYPE:" stanzas give
 * later stanzas of TYPE their values until changed or blanked. Refuses the whole text, saying
 * where, on any line it cannot read, a stanza without objtype, or a name given twice.
 */
export function parseStanzas(text: string): StanzaObject[] {
  const defaults = new Map<string, Map<string, string>>();
  const objects: StanzaObject[] = [];
  const seen = new Set<string>();
  let open: OpenStanza | undefined;

  const close = (): void => {
    if (open?.kind !== "object") return;
    if (open.type === "") throw bad(open.line, `stanza ${quoteInput(open.name)} has no objtype=`, "add objtype=node|group|osimage to it");
    const key = `${open.type}\u0000${open.name}`;
    if (seen.has(key)) throw bad(open.line, `${open.type} ${quoteInput(open.name)} has a second stanza`, "give each object one stanza");
    seen.add(key);
    objects.push({ name: open.name, type: open.type, attributes: Object.fromEntries([...(defaults.get(open.type) ?? []), ...open.attributes]) });
  };

  text.split("\n").forEach((raw, index) => {
    const number = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const equals = line.indexOf("=");
    if (equals < 0) {
      if (!line.endsWith(":")) throw bad(number, `${quoteInput(line)} cannot be read: it is neither a "name:" header nor attr=value`);
      const name = line.slice(0, -1).trim();
      if (name === "" || /\s/.test(name)) throw bad(number, `${quoteInput(line)} is not a header: an object name has no blanks`);
      close();
      const defaultType = DEFAULT_HEADER.exec(name)?.[1];
      open = defaultType === undefined ? { kind: "object", name, line: number, type: "", attributes: new Map() } : { kind: "default", name, line: number, type: defaultType, attributes: new Map() };
      return;
    }
    const key = line.slice(0, equals).trim();
    const value = stripQuotes(line.slice(equals + 1).trim());
    if (key === "") throw bad(number, `${quoteInput(line)} has no attribute name before "="`);
    if (!ATTRIBUTE_NAME.test(key)) throw bad(number, `${quoteInput(key)} is not an attribute name (letters, digits, _ and .)`);
    if (!open) throw bad(number, `${quoteInput(line)} comes before any "name:" header`);
    if (open.kind === "default") {
      if (key === "objtype") return;
      const forType = defaults.get(open.type) ?? new Map<string, string>();
      if (value === "") forType.delete(key);
      else forType.set(key, value);
      defaults.set(open.type, forType);
    } else if (key === "objtype") {
      open.type = value;
    } else {
      open.attributes.set(key, value);
    }
  });
  close();
  return objects;
}
