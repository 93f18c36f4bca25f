/**
 * Attribute selection, as in noderange(3) (`nodehm.cons==hmc`) and nodels(1) (==, !=, =~, !~).
 * A node without the attribute compares as the empty string, as xCAT's does.
 */

export type SelectorOperator = "==" | "!=" | "=~" | "!~";

export interface Selector {
  /** The column as written: groups, nodelist.groups, osimage. */
  readonly column: string;
  readonly operator: SelectorOperator;
  /** For =~ and !~ the pattern, without the optional surrounding slashes. */
  readonly value: string;
}

/** Could this text be meant as a selector? (Node names never hold = or ~.) */
export function looksLikeSelector(text: string): boolean {
  return text.includes("=") || text.includes("~");
}

/** `column==value` and friends; a single `=` means `==` (xCAT accepts it too). Undefined when not a selector. */
export function parseSelector(text: string): Selector | undefined {
  const match = /^([A-Za-z0-9_][A-Za-z0-9_.]*)(==|!=|=~|!~|=)(.*)$/s.exec(text);
  if (!match) return undefined;
  const [, column = "", written = "", raw = ""] = match;
  const operator: SelectorOperator = written === "=" ? "==" : (written as SelectorOperator);
  const value = operator === "=~" || operator === "!~" ? raw.replace(/^\//, "").replace(/\/$/, "") : raw;
  return { column, operator, value };
}

/** A predicate over attribute values; throws the RegExp's SyntaxError for a bad pattern (callers word it). */
export function selectorPredicate(selector: Selector): (value: string) => boolean {
  switch (selector.operator) {
    case "==":
      return (value) => value === selector.value;
    case "!=":
      return (value) => value !== selector.value;
    case "=~": {
      const regex = new RegExp(selector.value);
      return (value) => regex.test(value);
    }
    case "!~": {
      const regex = new RegExp(selector.value);
      return (value) => !regex.test(value);
    }
  }
}
