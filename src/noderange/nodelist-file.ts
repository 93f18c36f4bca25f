/**
 * The lines of a `^file` noderange (noderange(3), the ^/tmp/nodelist example): each line's
 * first word, up to white space, ":" or "#", is a noderange of its own; lines starting with "#"
 * are comments and lines starting with "^" are ignored (a file does not pull in other files).
 * An entry may be an exclusion (-node50): the caller applies it with the enclosing noderange's.
 */
export function nodelistFileEntries(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("^")) continue;
    const entry = trimmed.split(/[\s:#]/, 1)[0] ?? "";
    if (entry !== "") entries.push(entry);
  }
  return entries;
}
