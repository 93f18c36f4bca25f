/**
 * xCAT names for node attributes, mapped onto sysclone's where one obviously corresponds.
 * nodels(1): "table.column" or a shortname (groups, tags, mgt); sysclone's own attribute
 * names are always accepted as well.
 */

/** xCAT table -> column -> sysclone node attribute. Only columns with a clear counterpart. */
const tableColumns: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  nodelist: { groups: "groups", status: "state" },
  nodetype: { provmethod: "osimage" },
  mac: { mac: "mac" },
  hosts: { ip: "ip" },
  vpd: { serial: "serial", uuid: "uuid" },
  postscripts: { postscripts: "postscripts" },
};

/** nodels(1) shortnames and lsdef(1) attribute names that differ from ours. */
const aliases: Readonly<Record<string, string>> = {
  tags: "groups",
  provmethod: "osimage",
  status: "state",
};

/** xCAT names sysclone has nothing for, so the refusal can say so rather than "unknown". */
const withoutCounterpart: Readonly<Record<string, string>> = {
  mgt: "nodehm.mgt",
};

export type ColumnResolution =
  | { readonly kind: "attribute"; readonly attribute: string }
  | { readonly kind: "unknown"; readonly why: string };

/** One column as a user names it (groups, nodelist.groups, osimage) -> our attribute. */
export function resolveColumn(text: string, attributeNames: readonly string[]): ColumnResolution {
  if (attributeNames.includes(text)) return { kind: "attribute", attribute: text };
  const xcat = withoutCounterpart[text] ?? (Object.values(withoutCounterpart).includes(text) ? text : undefined);
  if (xcat !== undefined) return { kind: "unknown", why: `xCAT's ${xcat} has no counterpart in sysclone` };
  const alias = aliases[text];
  if (alias !== undefined && attributeNames.includes(alias)) return { kind: "attribute", attribute: alias };
  const dot = text.indexOf(".");
  if (dot > 0) {
    const table = tableColumns[text.slice(0, dot)];
    const mapped = table?.[text.slice(dot + 1)];
    if (mapped !== undefined && attributeNames.includes(mapped)) return { kind: "attribute", attribute: mapped };
    if (table) return { kind: "unknown", why: `sysclone keeps no counterpart of ${text}` };
  }
  return { kind: "unknown", why: `${JSON.stringify(text)} is not a node attribute, an xCAT shortname or a table.column sysclone maps` };
}

/** nodels NODE TABLE: every column of that xCAT table we map, labelled table.column; undefined for other names. */
export function columnsOfTable(table: string, attributeNames: readonly string[]): { label: string; attribute: string }[] | undefined {
  const columns = tableColumns[table];
  if (!columns) return undefined;
  return Object.entries(columns)
    .filter(([, attribute]) => attributeNames.includes(attribute))
    .map(([column, attribute]) => ({ label: `${table}.${column}`, attribute }));
}

/** For hints: the xCAT names we accept. */
export function mappedXcatNames(): string[] {
  return [...Object.keys(aliases), "groups", ...Object.entries(tableColumns).flatMap(([table, cols]) => Object.keys(cols).map((c) => `${table}.${c}`))];
}
