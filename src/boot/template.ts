import { SyscloneError } from "../errors/errors.js";

const SAFE_VALUE = /^[A-Za-z0-9._:/?=&,@+() -]*$/;

/**
 * A boot script from its template and a flat data object. Every {{name}} must have a value, and
 * values cannot carry iPXE syntax ($, {, newlines) into the script.
 */
export function renderTemplate(template: string, data: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{([a-z]+)\}\}/g, (_match, key: string) => {
    const value = data[key];
    if (value === undefined) throw new SyscloneError("INTERNAL", `boot template needs a value for ${key}`);
    if (!SAFE_VALUE.test(value)) throw new SyscloneError("INTERNAL", `boot template value for ${key} is not safe in a script: ${JSON.stringify(value)}`);
    return value;
  });
}
