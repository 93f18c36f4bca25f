import { SyscloneError } from "../errors/errors.js";
import type { Attributes } from "./schema.js";

export interface StanzaObject {
  readonly name: string;
  readonly type: string;
  readonly attributes: Attributes;
}

/** xCAT's lsdef look: "Object name: x" and indented attr=value lines. */
export function formatListing(objects: readonly StanzaObject[]): string {
  return objects
    .map((object) => [`Object name: ${object.name}`, ...attributeLines(object.attributes)].join("\n"))
    .join("\n\n");
}

/** xCAT's stanza file: "name:", "objtype=...", then attr=value lines; what -z reads back. */
export function formatStanzas(objects: readonly StanzaObject[]): string {
  return objects
    .map((object) => [`${object.name}:`, `    objtype=${object.type}`, ...attributeLines(object.attributes)].join("\n"))
    .join("\n\n")
    .concat(objects.length > 0 ? "\n" : "");
}

function attributeLines(attributes: Attributes): string[] {
  return Object.entries(attributes)
    .filter(([, value]) => value !== "")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `    ${name}=${value}`);
}

export function parseStanzas(text: string): StanzaObject[] {
  const objects: { name: string; type: string; attributes: Attributes }[] = [];
  let current: { name: string; type: string; attributes: Attributes } | undefined;
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\s+$/, "");
    if (line.trim() === "" || line.trim().startsWith("#")) return;
    const header = /^(\S+):$/.exec(line);
    if (header && !/^\s/.test(line)) {
      current = { name: header[1] ?? "", type: "", attributes: {} };
      objects.push(current);
      return;
    }
    const assignment = /^\s+([A-Za-z_][\w.]*)=(.*)$/.exec(line);
    if (!assignment || !current) {
      throw new SyscloneError("BAD_STANZA", `stanza line ${index + 1} cannot be read: "${line}"`, {
        hint: 'a stanza is "name:" followed by indented attr=value lines',
      });
    }
    const [, key = "", value = ""] = assignment;
    if (key === "objtype") current.type = value;
    else current.attributes[key] = value;
  });
  for (const object of objects) {
    if (object.type === "") throw new SyscloneError("BAD_STANZA", `stanza "${object.name}" has no objtype=`, { hint: "add objtype=node|group|osimage" });
  }
  return objects;
}
