import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { checkoutRoot, type SyscloneHome } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";

/** A pre-install script is a script, not a tool: tools go into the initrd (sysclone initrd build --add PATH). */
export const MAX_PRESCRIPT_BYTES = 1024 * 1024;

export interface Prescript {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** Where pre-install scripts are looked up: the home's own prescripts/ first, then the ones shipped with sysclone. */
export function prescriptDirsOf(home: Pick<SyscloneHome, "home">): string[] {
  return [...new Set([path.join(home.home, "prescripts"), path.join(checkoutRoot(), "prescripts")])];
}

/** A script by name: the first of `dirs` that has it. */
export function findScript(dirs: readonly string[], name: string): string | undefined {
  return dirs.map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}

/** The node's pre-install scripts, in order, each found, readable, executable and small; else a refusal naming them. */
export async function locatePrescripts(dirs: readonly string[], names: readonly string[]): Promise<Prescript[]> {
  const missing = names.filter((name) => findScript(dirs, name) === undefined);
  if (missing.length > 0) {
    throw new SyscloneError("UNKNOWN_OBJECT", `pre-install script(s) ${missing.join(", ")} not found in ${dirs.join(" or ")}`, {
      hint: "add the executable script there, or remove it from the node's, group's or osimage's prescripts",
    });
  }
  return Promise.all(
    names.map(async (name) => {
      const file = findScript(dirs, name) ?? "";
      const info = await stat(file);
      if (!info.isFile() || (info.mode & 0o111) === 0) {
        throw new SyscloneError("UNKNOWN_OBJECT", `pre-install script ${file} is not an executable file`, { hint: `chmod +x ${file}` });
      }
      if (info.size > MAX_PRESCRIPT_BYTES) {
        throw new SyscloneError("UNKNOWN_OBJECT", `pre-install script ${file} is ${info.size} bytes; at most ${MAX_PRESCRIPT_BYTES}`, { hint: "put a large tool into the initrd instead: sysclone initrd build OSIMAGE --add PATH" });
      }
      const body = await readFile(file);
      return { name, file, sha256: createHash("sha256").update(body).digest("hex"), bytes: body.length };
    }),
  );
}

/** The signed answer the initrd runs from: one `NAME SHA256` line per script, in order (names are attribute-checked: no spaces). */
export function renderPrescriptList(scripts: readonly Prescript[]): string {
  return scripts.map((s) => `${s.name} ${s.sha256}\n`).join("");
}
