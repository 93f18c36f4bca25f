import path from "node:path";
import { SyscloneError } from "../errors/errors.js";

/** One synclist line: `src -> dest`, or `src… -> dir/` (several sources into a directory). */
export interface SyncEntry {
  readonly line: number;
  readonly sources: readonly string[];
  /** Absolute on the node; ends with "/" when it names a directory. */
  readonly destination: string;
}

function badLine(file: string, line: number, message: string): SyscloneError {
  return new SyscloneError("BAD_SYNCLIST", `${file} line ${line}: ${message}`, {
    hint: "each line is `SOURCE -> /absolute/destination` or `SOURCE… -> /absolute/dir/`; # starts a comment",
  });
}

/** xCAT's synclist lines; relative sources are relative to the synclist's own directory. */
export function parseSynclist(text: string, file: string): SyncEntry[] {
  const entries: SyncEntry[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = index + 1;
    const content = raw.replace(/(^|\s)#.*$/, "").trim();
    if (content === "") continue;
    const parts = content.split(/\s+->\s+/);
    if (parts.length !== 2) throw badLine(file, line, "expected exactly one ` -> `");
    const sources = (parts[0] ?? "").split(/\s+/).filter((s) => s !== "");
    const destination = (parts[1] ?? "").trim();
    if (sources.length === 0) throw badLine(file, line, "no source");
    if (!destination.startsWith("/") || /\s/.test(destination)) throw badLine(file, line, `destination "${destination}" must be one absolute path`);
    if (destination.split("/").includes("..")) throw badLine(file, line, `destination "${destination}" must not contain ".."`);
    if (sources.length > 1 && !destination.endsWith("/")) throw badLine(file, line, "several sources need a directory destination ending in /");
    const resolved = sources.map((s) => `${path.resolve(path.dirname(file), s)}${s.endsWith("/") ? "/" : ""}`);
    entries.push({ line, sources: resolved, destination });
  }
  return entries;
}

/** Directories that must exist on the node before the entry is copied. */
export function destinationDirectory(entry: SyncEntry): string {
  return entry.destination.endsWith("/") ? entry.destination : path.posix.dirname(entry.destination);
}
