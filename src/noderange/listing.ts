import { SyscloneError } from "../errors/errors.js";
import { columnsOfTable, mappedXcatNames, resolveColumn } from "./columns.js";
import { looksLikeSelector, parseSelector, selectorPredicate } from "./selector.js";
import { oneLine, quote } from "./syntax.js";

/**
 * nodels(1) after the noderange: `table.column`, shortnames and attribute names to show,
 * `column==value` (!=, =~, !~) to select, a table name for all its columns.
 */

/** Where the listing reads attribute values; the store context is one. */
export interface AttributeSource {
  readonly attributeNames: readonly string[];
  attribute(node: string, name: string): string;
}

export interface NodelsColumn {
  /** As the user wrote it (or table.column for a whole table): nodels prints this label. */
  readonly label: string;
  readonly attribute: string;
}

export interface NodelsRow {
  readonly node: string;
  readonly values: readonly { readonly label: string; readonly value: string }[];
}

export interface NodelsListing {
  /** Print "node: label: value" rather than "node: value". */
  readonly labelled: boolean;
  /** The columns shown (none: a name a line). */
  readonly columns: readonly NodelsColumn[];
  /** Selected nodes in xCAT's order (sorted by name), with the asked-for values. */
  readonly rows: readonly NodelsRow[];
}

function badColumn(text: string, why: string): SyscloneError {
  return new SyscloneError("BAD_ATTRIBUTE", `nodels: ${why}`, {
    hint: `name node attributes (lsdef lists them) or xCAT's ${mappedXcatNames().join(", ")}; select with attr==value, !=, =~ or !~ (got ${quote(text)})`,
  });
}

function resolveOrRefuse(text: string, source: AttributeSource): string {
  const column = resolveColumn(text, source.attributeNames);
  if (column.kind === "unknown") throw badColumn(text, column.why);
  return column.attribute;
}

/**
 * One label per column unless a single one is asked for: xCAT's nodels prints
 * "node: value" for one table.column or shortname, "node: label: value" for more,
 * for a whole table, or with -H.
 */
export function nodelsListing(nodes: readonly string[], args: readonly string[], withFieldname: boolean, source: AttributeSource): NodelsListing {
  const predicates: { attribute: string; test: (value: string) => boolean }[] = [];
  const shown: NodelsColumn[] = [];
  let terse = withFieldname ? 0 : 2;
  for (const arg of args) {
    if (looksLikeSelector(arg)) {
      const selector = parseSelector(arg);
      if (!selector) throw badColumn(arg, `${quote(arg)} is not a selection: write attr==value, attr!=value, attr=~regex or attr!~regex`);
      const attribute = resolveOrRefuse(selector.column, source);
      try {
        predicates.push({ attribute, test: selectorPredicate(selector) });
      } catch (error) {
        throw badColumn(arg, `invalid regular expression /${oneLine(selector.value)}/: ${oneLine((error as Error).message)}`);
      }
      terse--;
      continue;
    }
    const table = resolveColumn(arg, source.attributeNames).kind === "attribute" ? undefined : columnsOfTable(arg, source.attributeNames);
    if (table) {
      shown.push(...table);
      terse = 0;
      continue;
    }
    shown.push({ label: arg, attribute: resolveOrRefuse(arg, source) });
    terse--;
  }
  const selected = [...nodes].sort().filter((node) => predicates.every((p) => p.test(source.attribute(node, p.attribute))));
  return {
    labelled: terse <= 0,
    columns: shown,
    rows: selected.map((node) => ({ node, values: shown.map((column) => ({ label: column.label, value: source.attribute(node, column.attribute) })) })),
  };
}

/** nodels(1)'s text: a name a line, or one "node: [label: ]value" line per node and column. */
export function formatNodelsListing(listing: NodelsListing): string[] {
  return listing.rows.flatMap((row) =>
    row.values.length === 0 ? [row.node] : row.values.map((v) => (listing.labelled ? `${row.node}: ${v.label}: ${v.value}` : `${row.node}: ${v.value}`)),
  );
}
