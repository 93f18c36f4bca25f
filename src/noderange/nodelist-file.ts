/**
 * The lines of a `^file` noderange (noderange(3), the ^/tmp/nodelist example). Each line's first
 * word is a noderange of its own: up to white space, "#", or a ":" that ends the word, so that
 * "node: text" lines (nodels' and xdsh's output) can be fed back. (xCAT cuts at any ":", which
 * would break the a:b ranges noderange(3) documents.) Lines starting with "#" are comments and
 * lines starting with "^" are ignored: a file does not pull in other files. An entry may be an
 * exclusion (-node50): the caller applies it with the enclosing noderange's exclusions.
 */
export function nodelistFileEntries(text: string): string[] {
  const entries: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("^")) continue;
    const entry = trimmed.split(/\s|#|:(?=\s|$)/, 1)[0] ?? "";
    if (entry !== "") entries.push(entry);
  }
  return entries;
}
