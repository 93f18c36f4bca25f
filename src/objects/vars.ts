import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "./quote.js";
import type { Attributes } from "./schema.js";

/**
 * Free attributes `vars.KEY=VALUE` on nodes, groups and osimages (KIWIspray's metadata): what
 * templates read as {{vars.KEY}}. KEY: a letter or underscore, then letters, digits, _ and -.
 */
export const VARS_PREFIX = "vars.";
const KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
export const MAX_VAR_VALUE = 4096;

export function isVarAttribute(name: string): boolean {
  return name.startsWith(VARS_PREFIX);
}

export function isVarKey(key: string): boolean {
  return KEY.test(key);
}

/** Checks a `vars.KEY` attribute name; returns KEY. Pure. */
export function varKeyOf(name: string, type = "object"): string {
  const key = name.slice(VARS_PREFIX.length);
  if (!isVarKey(key)) {
    throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${quoteInput(name)}: ${quoteInput(key)} is not a vars key`, {
      hint: "write vars.KEY=VALUE with KEY of letters, digits, _ and - (at most 64, not starting with a digit or -), e.g. vars.rack=r12",
    });
  }
  return key;
}

/** The vars of an object's attributes, KEY → value. Pure. */
export function varsOf(attributes: Attributes | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) if (isVarAttribute(name) && value !== "") out[name.slice(VARS_PREFIX.length)] = value;
  return out;
}

/** The stored JSON column as `vars.KEY` attributes, keys sorted; anything unreadable is shown as no vars. Pure. */
export function varsFromColumn(json: string | undefined): Attributes {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json || "{}");
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const entries = Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string" && isVarKey(e[0]));
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [`${VARS_PREFIX}${k}`, v]));
}
