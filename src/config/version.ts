import { readFileSync } from "node:fs";
import path from "node:path";
import { checkoutRoot } from "./paths.js";

/** sysclone's own version, from the package.json shipped beside the code. */
export function syscloneVersion(): string {
  const { version } = JSON.parse(readFileSync(path.join(checkoutRoot(), "package.json"), "utf8")) as { version?: unknown };
  return typeof version === "string" ? version : "unknown";
}
