// Entry point of scripts/package.sh: `node dist/src/package/write-control.js INSTALLED_KIB [LIBRARY_PACKAGE…]` prints DEBIAN/control.
import { readFileSync } from "node:fs";
import path from "node:path";
import { checkoutRoot } from "../config/paths.js";
import { renderControl } from "./control.js";

const [size, ...libraryPackages] = process.argv.slice(2);
if (size === undefined || !/^\d+$/.test(size)) {
  process.stderr.write("usage: node dist/src/package/write-control.js INSTALLED_KIB [LIBRARY_PACKAGE…]\n");
  process.exit(2);
}
const { version, description } = JSON.parse(readFileSync(path.join(checkoutRoot(), "package.json"), "utf8")) as { version: string; description: string };
process.stdout.write(renderControl({ version, description, installedSizeKiB: Number(size), libraryPackages }));
