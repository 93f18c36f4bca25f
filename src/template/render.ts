import { SyscloneError } from "../errors/errors.js";
import type { Attributes } from "../objects/schema.js";
import { varsOf } from "../objects/vars.js";

/**
 * Per-node templates (`*.tmpl` in an override). Placeholders, with optional spaces inside the braces:
 *   {{node.name}} {{node.ATTR}}            the node's own attributes (hostname, ip, mac, …; vars.KEY too)
 *   {{group.NAME.ATTR}}                    an attribute of one of the node's groups
 *   {{osimage.name}} {{osimage.version}} {{osimage.ATTR}}
 *   {{vars.KEY}}                           the node's, else its groups' (strongest first), else the osimage's
 *   {{NAME|DEFAULT}}                       DEFAULT (may be empty) where NAME has no value; unknown NAME is still an error
 *   \{{                                    a literal {{
 * A placeholder that names nothing, or a value that is empty without a default, refuses the whole
 * render with the file and line: a live machine never gets an empty string in its place.
 */
export interface TemplateContext {
  readonly node: { readonly name: string; readonly attributes: Attributes };
  /** The node's groups, the strongest (lowest priority number) last, as groupsByPriority gives them. */
  readonly groups: readonly { readonly name: string; readonly attributes: Attributes | undefined }[];
  readonly osimage: { readonly name: string; readonly version: number; readonly attributes: Attributes };
}

export const TEMPLATE_SUFFIX = ".tmpl";
const OPEN = "{{";
const CLOSE = "}}";
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*){0,2}$/;

/** vars with node > groups (strongest first) > osimage precedence. Pure. */
export function effectiveVars(context: TemplateContext): Record<string, string> {
  const layers = [varsOf(context.osimage.attributes), ...context.groups.map((g) => varsOf(g.attributes)), varsOf(context.node.attributes)];
  return Object.assign({}, ...layers) as Record<string, string>;
}

type Lookup = { found: true; value: string } | { found: false; why: string };

function lookup(name: string, context: TemplateContext, vars: Record<string, string>): Lookup {
  const [scope, first, second] = name.split(".");
  const attribute = (attributes: Attributes | undefined, key: string, what: string): Lookup =>
    attributes !== undefined && Object.hasOwn(attributes, key) ? { found: true, value: attributes[key] ?? "" } : { found: false, why: `${what} has no attribute ${key}` };
  switch (scope) {
    case "node":
      if (first === undefined) break;
      if (second !== undefined) return first === "vars" ? attribute(context.node.attributes, `vars.${second}`, `node ${context.node.name}`) : { found: false, why: "node.ATTR takes one name" };
      return first === "name" ? { found: true, value: context.node.name } : attribute(context.node.attributes, first, `node ${context.node.name}`);
    case "group": {
      if (first === undefined || second === undefined) return { found: false, why: "write group.NAME.ATTR" };
      const group = context.groups.find((g) => g.name === first);
      if (group === undefined) return { found: false, why: `node ${context.node.name} is not in group ${first}` };
      return second === "name" ? { found: true, value: first } : attribute(group.attributes, second, `group ${first}`);
    }
    case "osimage":
      if (first === undefined) break;
      if (second !== undefined) return first === "vars" ? attribute(context.osimage.attributes, `vars.${second}`, `osimage ${context.osimage.name}`) : { found: false, why: "osimage.ATTR takes one name" };
      if (first === "name") return { found: true, value: context.osimage.name };
      if (first === "version") return { found: true, value: String(context.osimage.version) };
      return attribute(context.osimage.attributes, first, `osimage ${context.osimage.name}`);
    case "vars":
      if (first === undefined || second !== undefined) break;
      return Object.hasOwn(vars, first) ? { found: true, value: vars[first] ?? "" } : { found: false, why: `vars.${first} is set on neither node ${context.node.name}, its groups nor osimage ${context.osimage.name}` };
  }
  return { found: false, why: "placeholders are node.ATTR, group.NAME.ATTR, osimage.ATTR and vars.KEY" };
}

function refuse(file: string, line: number, message: string, hint: string): never {
  throw new SyscloneError("BAD_TEMPLATE", `${file}:${line}: ${message}`, { hint, details: { file, line } });
}

const shown = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** Renders one template's text for one node; throws BAD_TEMPLATE naming `file` and the line. Pure. */
export function renderTemplate(text: string, context: TemplateContext, file: string): string {
  const vars = effectiveVars(context);
  let out = "";
  let at = 0;
  let line = 1;
  const advance = (to: number): void => {
    for (let i = at; i < to; i++) if (text.charCodeAt(i) === 10) line++;
    at = to;
  };
  while (at < text.length) {
    const open = text.indexOf(OPEN, at);
    if (open < 0) {
      out += text.slice(at);
      break;
    }
    if (open > 0 && text[open - 1] === "\\") {
      out += text.slice(at, open - 1) + OPEN;
      advance(open + OPEN.length);
      continue;
    }
    out += text.slice(at, open);
    advance(open);
    const close = text.indexOf(CLOSE, open + OPEN.length);
    const newline = text.indexOf("\n", open);
    if (close < 0 || (newline >= 0 && newline < close)) refuse(file, line, "a {{ is not closed by }} on the same line", "close it, or write \\{{ for a literal {{");
    const inner = text.slice(open + OPEN.length, close);
    const bar = inner.indexOf("|");
    const name = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar < 0 ? undefined : inner.slice(bar + 1).trim();
    if (!NAME.test(name)) refuse(file, line, `{{${shown(inner).slice(1, -1)}}} is not a placeholder`, "placeholders are {{node.ATTR}}, {{group.NAME.ATTR}}, {{osimage.ATTR}}, {{vars.KEY}}; \\{{ is a literal {{");
    const found = lookup(name, context, vars);
    if (!found.found) refuse(file, line, `unknown placeholder {{${name}}}: ${found.why}`, "set it (chdef … vars.KEY=VALUE), or fix the template");
    if (found.value === "" && fallback === undefined) {
      refuse(file, line, `{{${name}}} has no value for node ${context.node.name}`, `set it with chdef, or give a default: {{${name}|DEFAULT}} ({{${name}|}} for empty)`);
    }
    out += found.value === "" ? (fallback ?? "") : found.value;
    advance(close + CLOSE.length);
  }
  return out;
}
