import { oneLine } from "./syntax.js";
/**
 * xCAT names for node attributes, mapped onto sysclone's where one obviously corresponds.
 * nodels(1): "table.column" or a shortname (groups, tags, mgt); sysclone's own attribute
 * names are always accepted as well.
 */

/** xCAT table -> column -> sysclone node attribute. Only columns with a clear counterpart. */
const tableColumns: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ["nodelist", new Map([["groups", "groups"], ["status", "state"]])],
  ["nodetype", new Map([["provmethod", "osimage"]])],
  ["mac", new Map([["mac", "mac"]])],
  ["hosts", new Map([["ip", "ip"]])],
  ["vpd", new Map([["serial", "serial"], ["uuid", "uuid"]])],
  ["postscripts", new Map([["postscripts", "postscripts"]])],
  ["nodehm", new Map([["mgt", "mgt"]])],
  ["ipmi", new Map([["bmc", "bmc"], ["bmcport", "bmcport"], ["username", "bmcusername"], ["password", "bmcpassword"]])],
]);

/** nodels(1) shortnames and lsdef(1) attribute names that differ from ours. */
const aliases: ReadonlyMap<string, string> = new Map([
  ["tags", "groups"],
  ["provmethod", "osimage"],
  ["status", "state"],
]);

/** xCAT names sysclone has nothing for, so the refusal can say so rather than "unknown". */
const withoutCounterpart: ReadonlyMap<string, string> = new Map([["cons", "nodehm.cons"]]);

export type ColumnResolution =
  | { readonly kind: "attribute"; readonly attribute: string }
  | { readonly kind: "unknown"; readonly why: string };

/** One column as a user names it (groups, nodelist.groups, osimage) -> our attribute. */
export function resolveColumn(text: string, attributeNames: readonly string[]): ColumnResolution {
  if (attributeNames.includes(text)) return { kind: "attribute", attribute: text };
  const xcat = withoutCounterpart.get(text) ?? ([...withoutCounterpart.values()].includes(text) ? text : undefined);
  if (xcat !== undefined) return { kind: "unknown", why: `xCAT's ${xcat} has no counterpart in sysclone` };
  const alias = aliases.get(text);
  if (alias !== undefined && attributeNames.includes(alias)) return { kind: "attribute", attribute: alias };
  const dot = text.indexOf(".");
  if (dot > 0) {
    const table = tableColumns.get(text.slice(0, dot));
    const mapped = table?.get(text.slice(dot + 1));
    if (mapped !== undefined && attributeNames.includes(mapped)) return { kind: "attribute", attribute: mapped };
    if (table) return { kind: "unknown", why: `sysclone keeps no counterpart of ${oneLine(text)}` };
  }
  return { kind: "unknown", why: `${JSON.stringify(text)} is not a node attribute, an xCAT shortname or a table.column sysclone maps` };
}

/** nodels NODE TABLE: every column of that xCAT table we map, labelled table.column; undefined for other names. */
export function columnsOfTable(table: string, attributeNames: readonly string[]): { label: string; attribute: string }[] | undefined {
  const columns = tableColumns.get(table);
  if (!columns) return undefined;
  return [...columns]
    .filter(([, attribute]) => attributeNames.includes(attribute))
    .map(([column, attribute]) => ({ label: `${table}.${column}`, attribute }));
}

/** For hints: the xCAT names we accept. */
export function mappedXcatNames(): string[] {
  return [...aliases.keys(), "groups", ...[...tableColumns].flatMap(([table, cols]) => [...cols.keys()].map((c) => `${table}.${c}`))];
}
