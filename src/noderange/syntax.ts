import { SyscloneError } from "../errors/errors.js";

/**
 * The purely textual part of noderange(3): brackets, a-b and a:b ranges, +N increments,
 * bare numbers. These functions turn one element into candidate names; they know nothing
 * of which nodes or groups exist.
 */

/** No single range, bracket product or noderange may name more than this many nodes. */
export const MAX_EXPANSION = 200_000;
const NODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Digits beyond this would lose precision as a JavaScript number (and no cluster numbers that high). */
const MAX_DIGITS = 15;

export function isValidNodeName(name: string): boolean {
  return NODE_NAME.test(name) && name.length <= 253;
}

/** target.push(...items) without the argument-count limit a spread of 100 000 names hits. */
export function append(target: string[], items: Iterable<string>): void {
  for (const item of items) target.push(item);
}

/** Input quoted for a one-line message: escaped (no raw newlines) and shortened. */
export function quote(text: string): string {
  const short = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return JSON.stringify(short);
}

/** Text from elsewhere (a file system error) made safe for a one-line message. */
export function oneLine(text: string): string {
  return quote(text).slice(1, -1);
}

export function badNoderange(range: string, why: string): SyscloneError {
  return new SyscloneError("BAD_NODERANGE", `bad noderange ${quote(range)}: ${why}`, {
    hint: "use names, lists (a,b), ranges (node[01-10], node[01:10], node01-node10, node10+3, 10-20), groups, /regex, ^file, attr==value, -exclusion, a@b and (…)",
  });
}

/** What a range shorthand (10-20, 10+3, a bare 10) puts around its numbers: "node" by default. */
export interface Shorthand {
  readonly prefix: string;
  readonly suffix: string;
}

export const defaultShorthand: Shorthand = { prefix: "node", suffix: "" };

/** Split on a separator at bracket and parenthesis depth zero. */
export function splitTopLevel(text: string, separator: string, whole: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "[" || char === "(") depth++;
    if (char === "]" || char === ")") {
      depth--;
      if (depth < 0) throw badNoderange(whole, `unbalanced "${char}"`);
    }
    if (char === separator && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw badNoderange(whole, "unbalanced brackets or parentheses");
  parts.push(current);
  return parts;
}

function checkNumber(text: string, whole: string): number {
  if (text.length > MAX_DIGITS) throw badNoderange(whole, `number ${quote(text)} has more than ${MAX_DIGITS} digits`);
  return Number(text);
}

/**
 * from..to as text. Padding follows the left side: "01" to "10" and "098" to "101" keep the width,
 * "1" to "10" does not pad (noderange(3): "node001-node200 ... will add the proper number of zeroes").
 */
export function numericRange(fromText: string, toText: string, whole: string): string[] {
  const from = checkNumber(fromText, whole);
  const to = checkNumber(toText, whole);
  if (to < from) throw badNoderange(whole, `range ${fromText}-${toText} runs backwards`);
  if (to - from + 1 > MAX_EXPANSION) throw badNoderange(whole, `range ${fromText}-${toText} is larger than ${MAX_EXPANSION} nodes`);
  const width = fromText.length === toText.length || fromText.startsWith("0") ? fromText.length : 0;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(String(n).padStart(width, "0"));
  return out;
}

function bracketValues(inner: string, whole: string): string[] {
  if (inner === "") throw badNoderange(whole, "empty []");
  const values: string[] = [];
  for (const item of inner.split(",")) {
    const range = /^(\d+)[-:](\d+)$/.exec(item);
    if (range) append(values, numericRange(range[1] ?? "", range[2] ?? "", whole));
    else if (/^[A-Za-z0-9_.]+$/.test(item)) values.push(item);
    else throw badNoderange(whole, `cannot read [${inner}]: write numbers, a-b or a:b ranges, separated by commas`);
  }
  return values;
}

/** node[01-10], node[01:10], f[1-2]n[1-3], rack[1,3,5-6]: the cartesian product of every bracket. */
export function expandBrackets(element: string, whole: string): string[] {
  const open = element.indexOf("[");
  if (open < 0) return [element];
  const close = element.indexOf("]", open);
  if (close < 0) throw badNoderange(whole, "missing ]");
  const inner = element.slice(open + 1, close);
  if (inner.includes("[")) throw badNoderange(whole, "brackets cannot nest");
  const values = bracketValues(inner, whole);
  const rest = expandBrackets(element.slice(close + 1), whole);
  if (values.length * rest.length > MAX_EXPANSION) throw badNoderange(whole, `expands to more than ${MAX_EXPANSION} nodes`);
  const prefix = element.slice(0, open);
  const out: string[] = [];
  for (const value of values) for (const tail of rest) out.push(prefix + value + tail);
  return out;
}

/** Split "rack01node07" into text and number fields: ["rack", "01", "node", "07"]. */
function fields(name: string): string[] {
  return name.match(/\d+|\D+/g) ?? [];
}

/** node01-node10, 10-20: exactly one numeric field may differ; undefined when the sides do not pair up. */
function pairedRange(left: string, right: string, whole: string, shorthand: Shorthand): string[] | undefined {
  if (/^\d+$/.test(left) && /^\d+$/.test(right)) {
    return numericRange(left, right, whole).map((n) => shorthand.prefix + n + shorthand.suffix);
  }
  const a = fields(left);
  const b = fields(right);
  if (a.length !== b.length || a.length === 0) return undefined;
  let differing = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    if (!/^\d/.test(a[i] ?? "") || !/^\d/.test(b[i] ?? "") || differing >= 0) return undefined;
    differing = i;
  }
  if (differing < 0) return /\d/.test(left) ? [left] : undefined;
  const prefix = a.slice(0, differing).join("");
  const suffix = a.slice(differing + 1).join("");
  return numericRange(a[differing] ?? "", b[differing] ?? "", whole).map((n) => prefix + n + suffix);
}

/**
 * a-b or a:b. With dashes, the middle one of an odd count separates the sides
 * (node1-compute-node200-compute); an even count is not a range.
 */
export function expandRange(element: string, whole: string, shorthand: Shorthand): string[] | undefined {
  for (const separator of [":", "-"]) {
    const pieces = element.split(separator);
    if (pieces.length < 2 || pieces.length % 2 !== 0) continue;
    const middle = pieces.length / 2;
    const range = pairedRange(pieces.slice(0, middle).join(separator), pieces.slice(middle).join(separator), whole, shorthand);
    if (range) return range;
  }
  return undefined;
}

/**
 * node10+3, 10+3, sw1.cluster+1, node1a+2: the last number of the host part counts up,
 * whatever follows it (a domain, a text tail) is kept.
 */
export function expandIncrement(element: string, whole: string, shorthand: Shorthand): string[] | undefined {
  const plus = element.indexOf("+");
  if (plus < 0) return undefined;
  const front = element.slice(0, plus);
  const countText = element.slice(plus + 1);
  if (!/^\d+$/.test(countText)) throw badNoderange(whole, `${quote(element)}: write +N with N a number, as in node10+3`);
  const dot = front.indexOf(".");
  const host = dot < 0 ? front : front.slice(0, dot);
  const domain = dot < 0 ? "" : front.slice(dot);
  const match = /^(.*?)(\d+)(\D*)$/.exec(host);
  if (!match) throw badNoderange(whole, `${quote(element)}: +N needs a name with a number, as in node10+3`);
  const [, prefixText = "", startText = "", tail = ""] = match;
  const bare = prefixText === "" && tail === "" && domain === "";
  const prefix = bare ? shorthand.prefix : prefixText;
  const suffix = bare ? shorthand.suffix : tail + domain;
  const end = String(checkNumber(startText, whole) + checkNumber(countText, whole)).padStart(startText.length, "0");
  return numericRange(startText, end, whole).map((n) => prefix + n + suffix);
}
