import { SyscloneError } from "../errors/errors.js";
import { attributeSpec, type Attributes, type ObjectType } from "../objects/schema.js";
import type { CommandDeps } from "./command.js";
import { readPassword } from "./secret-input.js";

/**
 * bmcpassword=- (any secret attribute given as "-"): the value is read from the terminal without echo,
 * or from stdin's first line, so it appears in no command line, shell history or ps listing.
 */
export async function readSecretAssignments(type: ObjectType, attributes: Attributes, names: readonly string[], deps: Pick<CommandDeps, "stdin">): Promise<Attributes> {
  const asked = Object.entries(attributes).filter(([name, value]) => value === "-" && attributeSpec(type, name)?.secret === true);
  if (asked.length === 0) return attributes;
  if (asked.length > 1) throw new SyscloneError("USAGE", `only one secret can be read from stdin at a time (${asked.map(([name]) => name).join(", ")})`, { hint: "set them in two commands" });
  const [name = ""] = asked[0] ?? [];
  const value = await readPassword(`${name} of ${names.join(",")}`, deps.stdin);
  return { ...attributes, [name]: value };
}
