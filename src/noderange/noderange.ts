import { SyscloneError } from "../errors/errors.js";

/** What expanding a noderange needs to know about the world; pure callers pass data. */
export interface NoderangeContext {
  /** Every defined node, in a stable order (for /regex). */
  readonly allNodes: readonly string[];
  /** Members of a group, or undefined when no such group exists. */
  groupMembers(name: string): readonly string[] | undefined;
  /** Contents of a ^file; throws when it cannot be read. */
  readFile?(path: string): string;
}

export const MAX_EXPANSION = 200_000;
const NODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SHORTHAND_PREFIX = "node";

export function isValidNodeName(name: string): boolean {
  return NODE_NAME.test(name) && name.length <= 253;
}

function bad(range: string, why: string): SyscloneError {
  return new SyscloneError("BAD_NODERANGE", `bad noderange "${range}": ${why}`, {
    hint: "use names, lists (a,b), ranges (node[01-10], node01-node10, node10+3), groups, /regex, ^file, -exclusion and @intersection",
  });
}

/** Split on a separator at bracket and parenthesis depth zero. */
function splitTopLevel(text: string, separator: string, whole: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "[" || char === "(") depth++;
    if (char === "]" || char === ")") {
      depth--;
      if (depth < 0) throw bad(whole, `unbalanced "${char}"`);
    }
    if (char === separator && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw bad(whole, "unbalanced brackets or parentheses");
  parts.push(current);
  return parts;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

function numericRange(fromText: string, toText: string, whole: string): string[] {
  const from = Number(fromText);
  const to = Number(toText);
  if (to < from) throw bad(whole, `range ${fromText}-${toText} runs backwards`);
  if (to - from + 1 > MAX_EXPANSION) throw bad(whole, `range ${fromText}-${toText} is larger than ${MAX_EXPANSION} nodes`);
  const width = fromText.length === toText.length || fromText.startsWith("0") ? fromText.length : 0;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(pad(n, width));
  return out;
}

/** node[01-10], f[1-2]n[1-3], rack[1,3,5-6]: the cartesian product of every bracket. */
function expandBrackets(element: string, whole: string): string[] {
  const open = element.indexOf("[");
  if (open < 0) return [element];
  const close = element.indexOf("]", open);
  if (close < 0) throw bad(whole, "missing ]");
  const inner = element.slice(open + 1, close);
  if (inner === "") throw bad(whole, "empty []");
  const values: string[] = [];
  for (const item of inner.split(",")) {
    const range = /^(\d+)-(\d+)$/.exec(item);
    if (range) values.push(...numericRange(range[1] ?? "", range[2] ?? "", whole));
    else if (/^[A-Za-z0-9_.]+$/.test(item)) values.push(item);
    else throw bad(whole, `cannot read [${inner}]`);
  }
  const prefix = element.slice(0, open);
  const rest = expandBrackets(element.slice(close + 1), whole);
  const out: string[] = [];
  for (const value of values) for (const tail of rest) out.push(prefix + value + tail);
  if (out.length > MAX_EXPANSION) throw bad(whole, `expands to more than ${MAX_EXPANSION} nodes`);
  return out;
}

/** Split "rack01node07" into text and number fields: ["rack", "01", "node", "07"]. */
function fields(name: string): string[] {
  return name.match(/\d+|\D+/g) ?? [];
}

/** node01-node10 and node1:node10: exactly one numeric field may differ. */
function expandDashRange(left: string, right: string, whole: string): string[] | undefined {
  if (/^\d+$/.test(left) && /^\d+$/.test(right)) {
    return numericRange(left, right, whole).map((n) => SHORTHAND_PREFIX + n);
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
  if (differing < 0) return [left];
  const prefix = a.slice(0, differing).join("");
  const suffix = a.slice(differing + 1).join("");
  return numericRange(a[differing] ?? "", b[differing] ?? "", whole).map((n) => prefix + n + suffix);
}

function expandIncrement(element: string, whole: string): string[] | undefined {
  const match = /^(.*?)(\d+)\+(\d+)$/.exec(element);
  if (!match) return undefined;
  const prefix = match[1] === "" ? SHORTHAND_PREFIX : (match[1] ?? "");
  const startText = match[2] ?? "0";
  const count = Number(match[3]);
  const end = String(Number(startText) + count).padStart(startText.length, "0");
  return numericRange(startText, end, whole).map((n) => prefix + n);
}

function expandRegex(pattern: string, context: NoderangeContext, whole: string): string[] {
  const source = pattern.endsWith("/") && pattern.length > 1 ? pattern.slice(0, -1) : pattern;
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    throw bad(whole, `invalid regular expression /${source}/: ${(error as Error).message}`);
  }
  return context.allNodes.filter((node) => regex.test(node));
}

function expandFile(path: string, context: NoderangeContext, whole: string, depth: number): string[] {
  if (!context.readFile) throw bad(whole, "^file is not available here");
  let text: string;
  try {
    text = context.readFile(path);
  } catch (error) {
    throw bad(whole, `cannot read ${path}: ${(error as Error).message}`);
  }
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const token = line.split(/[\s:]/)[0] ?? "";
    out.push(...expandList(token, context, whole, depth + 1).included);
  }
  return out;
}

function expandElement(element: string, context: NoderangeContext, whole: string, depth: number): string[] {
  if (element === "") throw bad(whole, "empty element");
  if (depth > 16) throw bad(whole, "nested too deeply");
  const intersected = splitTopLevel(element, "@", whole);
  if (intersected.length > 1) {
    const sets = intersected.map((part) => new Set(expandList(part, context, whole, depth + 1).included));
    const [first, ...others] = sets;
    return [...(first ?? new Set<string>())].filter((node) => others.every((set) => set.has(node)));
  }
  if (element.startsWith("(") && element.endsWith(")")) return expandList(element.slice(1, -1), context, whole, depth + 1).included;
  if (element.startsWith("^")) return expandFile(element.slice(1), context, whole, depth);
  if (element.startsWith("/")) return expandRegex(element.slice(1), context, whole);
  const members = context.groupMembers(element);
  if (members) return [...members];
  if (isValidNodeName(element) && context.allNodes.includes(element)) return [element];
  if (element.includes("[")) return expandBrackets(element, whole).flatMap((name) => expandElement(name, context, whole, depth + 1));
  const increment = expandIncrement(element, whole);
  if (increment) return increment;
  for (const separator of [":", "-"]) {
    const pieces = element.split(separator);
    if (pieces.length < 2 || pieces.length % 2 !== 0) continue;
    const middle = pieces.length / 2;
    const range = expandDashRange(pieces.slice(0, middle).join(separator), pieces.slice(middle).join(separator), whole);
    if (range) return range.flatMap((name) => context.groupMembers(name) ?? [name]);
  }
  if (!isValidNodeName(element)) throw bad(whole, `"${element}" is not a node name, group, or range`);
  return [element];
}

function expandList(text: string, context: NoderangeContext, whole: string, depth: number): { included: string[]; excluded: string[] } {
  const included: string[] = [];
  const excluded: string[] = [];
  for (const raw of splitTopLevel(text, ",", whole)) {
    const element = raw.trim();
    if (element.startsWith("-") && element.length > 1) excluded.push(...expandElement(element.slice(1), context, whole, depth));
    else included.push(...expandElement(element, context, whole, depth));
  }
  return { included, excluded };
}

/**
 * Expand an xCAT noderange into node names: order of first appearance kept,
 * duplicates dropped, exclusions (-x) applied after everything else.
 */
export function expandNoderange(range: string, context: NoderangeContext): string[] {
  const text = range.trim();
  if (text === "") throw bad(range, "it is empty");
  if (/\s/.test(text)) throw bad(range, "it contains white space");
  const { included, excluded } = expandList(text, context, range, 0);
  const drop = new Set(excluded);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const node of included) {
    if (drop.has(node) || seen.has(node)) continue;
    seen.add(node);
    out.push(node);
  }
  if (out.length > MAX_EXPANSION) throw bad(range, `expands to more than ${MAX_EXPANSION} nodes`);
  return out;
}

/** A context with no nodes or groups: every range expands to literal names. */
export const emptyContext: NoderangeContext = { allNodes: [], groupMembers: () => undefined };
