import { SyscloneError } from "../errors/errors.js";
import { resolveColumn } from "./columns.js";
import { nodelistFileEntries } from "./nodelist-file.js";
import { looksLikeSelector, parseSelector, selectorPredicate } from "./selector.js";
import {
  MAX_EXPANSION,
  append,
  badNoderange,
  defaultShorthand,
  expandBrackets,
  expandIncrement,
  expandRange,
  isValidNodeName,
  oneLine,
  quote,
  splitTopLevel,
  type Shorthand,
} from "./syntax.js";

export { MAX_EXPANSION, isValidNodeName, type Shorthand } from "./syntax.js";

/** What expanding a noderange needs to know about the world; pure callers pass data. */
export interface NoderangeContext {
  /** Every defined node, in a stable order (for /regex and attribute selection). */
  readonly allNodes: readonly string[];
  /** Members of a group, or undefined when no such group exists. */
  groupMembers(name: string): readonly string[] | undefined;
  /** Every group name, so /regex can match groups as noderange(3) says. */
  readonly allGroups?: readonly string[];
  /** Contents of a ^file; throws when it cannot be read. */
  readonly readFile?: (path: string) => string;
  /** Node attributes attr==value may select on; selection is refused without them. */
  readonly attributeNames?: readonly string[];
  /** A node's value of one of attributeNames ("" when unset). */
  readonly attribute?: (node: string, name: string) => string;
  /** Prefix and suffix of the shorthands 10-20, 10+3 and 10 (default "node" and ""). */
  readonly shorthand?: Shorthand;
}

export interface ExpandOptions {
  /**
   * Every name must be a defined node or group (xCAT's noderange verification): the names that
   * are neither are one UNKNOWN_OBJECT error listing them all. Without it (mkdef), they are
   * taken as the names of new nodes.
   */
  readonly verify?: boolean;
}

const MAX_DEPTH = 16;
const MAX_LISTED_MISSING = 50;

interface Evaluation {
  /** The text errors quote: the range, or a ^file's entry. */
  readonly whole: string;
  readonly context: NoderangeContext;
  readonly nodes: ReadonlySet<string>;
  readonly verify: boolean;
  readonly shorthand: Shorthand;
  readonly missing: string[];
  /** Names produced by ranges, brackets and increments so far, across the whole noderange. */
  readonly budget: { generated: number };
}

interface Terms {
  readonly included: string[];
  readonly excluded: string[];
}

function generated(ev: Evaluation, names: readonly string[]): readonly string[] {
  ev.budget.generated += names.length;
  if (ev.budget.generated > MAX_EXPANSION) throw badNoderange(ev.whole, `expands to more than ${MAX_EXPANSION} nodes`);
  return names;
}

function difference(terms: Terms): string[] {
  const drop = new Set(terms.excluded);
  return terms.included.filter((node) => !drop.has(node));
}

/** A name after every syntax is stripped: a node, a group's members, or unknown. */
function resolveName(name: string, ev: Evaluation): readonly string[] {
  if (!isValidNodeName(name)) throw badNoderange(ev.whole, `${quote(name)} is not a node name, group, or range`);
  if (ev.nodes.has(name)) return [name];
  const members = ev.context.groupMembers(name);
  if (members) return members;
  if (ev.verify) {
    ev.missing.push(name);
    return [];
  }
  return [name];
}

/** /regex: the whole name must match (noderange(3) example 7); matching groups give their members. */
function expandRegex(atom: string, ev: Evaluation): string[] {
  const body = atom.slice(1);
  const source = body.length > 1 && body.endsWith("/") ? body.slice(0, -1) : body;
  let regex: RegExp;
  try {
    new RegExp(source);
    regex = new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw badNoderange(ev.whole, `invalid regular expression /${oneLine(source)}/: ${oneLine((error as Error).message)}`);
  }
  const out = ev.context.allNodes.filter((node) => regex.test(node));
  for (const group of ev.context.allGroups ?? []) {
    if (regex.test(group)) append(out, ev.context.groupMembers(group) ?? []);
  }
  return out;
}

/** attr==value, attr!=value, attr=~regex, attr!~regex over every node. */
function expandSelector(atom: string, ev: Evaluation): string[] {
  const selector = parseSelector(atom);
  if (!selector) throw badNoderange(ev.whole, `${quote(atom)} is not a selection: write attr==value, attr!=value, attr=~regex or attr!~regex`);
  const { attribute, attributeNames } = ev.context;
  if (!attribute || !attributeNames) throw badNoderange(ev.whole, "selecting nodes by attribute is not available here");
  const column = resolveColumn(selector.column, attributeNames);
  if (column.kind === "unknown") throw badNoderange(ev.whole, column.why);
  let predicate: (value: string) => boolean;
  try {
    predicate = selectorPredicate(selector);
  } catch (error) {
    throw badNoderange(ev.whole, `invalid regular expression /${oneLine(selector.value)}/: ${oneLine((error as Error).message)}`);
  }
  return ev.context.allNodes.filter((node) => predicate(attribute(node, column.attribute)));
}

/** One element between commas, without its exclusion mark and not a ^file. */
function resolveAtom(atom: string, ev: Evaluation, depth: number): readonly string[] {
  if (depth > MAX_DEPTH) throw badNoderange(ev.whole, "nested too deeply");
  if (atom === "") throw badNoderange(ev.whole, "empty element");
  if (ev.nodes.has(atom)) return [atom];
  const intersected = splitTopLevel(atom, "@", ev.whole);
  if (intersected.length > 1) {
    const [first = [], ...others] = intersected.map((part) => difference(evaluateList(part, ev, depth + 1, false)));
    const sets = others.map((nodes) => new Set(nodes));
    return first.filter((node) => sets.every((set) => set.has(node)));
  }
  if (atom.startsWith("(") && atom.endsWith(")")) return difference(evaluateList(atom.slice(1, -1), ev, depth + 1, false));
  if (atom.startsWith("/")) return expandRegex(atom, ev);
  const members = ev.context.groupMembers(atom);
  if (members) return members;
  if (looksLikeSelector(atom)) return expandSelector(atom, ev);
  if (/^\d+$/.test(atom)) return resolveName(ev.shorthand.prefix + atom + ev.shorthand.suffix, ev);
  if (atom.includes("[")) return generated(ev, expandBrackets(atom, ev.whole)).flatMap((name) => resolveAtom(name, ev, depth + 1));
  const counted = expandIncrement(atom, ev.whole, ev.shorthand) ?? expandRange(atom, ev.whole, ev.shorthand);
  if (counted) return generated(ev, counted).flatMap((name) => resolveName(name, ev));
  return resolveName(atom, ev);
}

function readEntries(path: string, ev: Evaluation): string[] {
  const { readFile } = ev.context;
  if (!readFile) throw badNoderange(ev.whole, "^file is not available here");
  try {
    return nodelistFileEntries(readFile(path));
  } catch (error) {
    throw badNoderange(ev.whole, `cannot read ${oneLine(path)}: ${oneLine((error as Error).message)}`);
  }
}

/** A comma list: what it includes and what it excludes (exclusions win, applied by the caller). */
function evaluateList(text: string, ev: Evaluation, depth: number, inFile: boolean): Terms {
  if (depth > MAX_DEPTH) throw badNoderange(ev.whole, "nested too deeply");
  const terms: Terms = { included: [], excluded: [] };
  for (const element of splitTopLevel(text, ",", ev.whole)) {
    const exclude = element.startsWith("-") && element.length > 1;
    const body = exclude ? element.slice(1) : element;
    if (body.startsWith("^")) {
      if (exclude) throw badNoderange(ev.whole, "a ^file cannot be excluded (noderange(3): every form but the file operator takes -)");
      if (inFile) throw badNoderange(ev.whole, "a ^file cannot name another ^file");
      const path = body.slice(1);
      for (const entry of readEntries(path, ev)) {
        const inner = evaluateList(entry, { ...ev, whole: `${entry} (in ^${oneLine(path)})` }, depth + 1, true);
        append(terms.included, inner.included);
        append(terms.excluded, inner.excluded);
      }
      continue;
    }
    append(exclude ? terms.excluded : terms.included, resolveAtom(body, ev, depth));
  }
  return terms;
}

function missingError(missing: readonly string[]): SyscloneError {
  const unique = [...new Set(missing)];
  const listed = unique.slice(0, MAX_LISTED_MISSING).join(",");
  const more = unique.length > MAX_LISTED_MISSING ? ` (and ${unique.length - MAX_LISTED_MISSING} more)` : "";
  // xCAT's wording (xcatd), which scripts grep for.
  return new SyscloneError("UNKNOWN_OBJECT", `Invalid nodes and/or groups in noderange: ${listed}${more}`, {
    hint: "define them with mkdef, or see what exists with nodels and lsdef -t group",
    details: { missing: unique },
  });
}

/**
 * Expand an xCAT noderange into node names: order of first appearance kept, duplicates
 * dropped, exclusions (-x) applied after everything else.
 */
export function expandNoderange(range: string, context: NoderangeContext, options: ExpandOptions = {}): string[] {
  const text = range.trim();
  if (text === "") throw badNoderange(range, "it is empty");
  if (/\s/.test(text)) throw badNoderange(range, "it contains white space");
  const ev: Evaluation = {
    whole: range,
    context,
    nodes: new Set(context.allNodes),
    verify: options.verify === true,
    shorthand: context.shorthand ?? defaultShorthand,
    missing: [],
    budget: { generated: 0 },
  };
  const terms = evaluateList(text, ev, 0, false);
  if (ev.missing.length > 0) throw missingError(ev.missing);
  const out = [...new Set(difference(terms))];
  if (out.length > MAX_EXPANSION) throw badNoderange(range, `expands to more than ${MAX_EXPANSION} nodes`);
  return out;
}

/** A context with no nodes or groups: every range expands to literal names. */
export const emptyContext: NoderangeContext = { allNodes: [], groupMembers: () => undefined };
