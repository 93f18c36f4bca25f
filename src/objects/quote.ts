const LIMIT = 80;

/**
 * Input shown inside an error message: double-quoted with JSON escapes, so a newline, tab or
 * control character in what the user gave stays on the message's one line; long input is cut.
 */
export function quoteInput(text: string): string {
  const cut = text.length > LIMIT ? `${text.slice(0, LIMIT)}…` : text;
  return JSON.stringify(cut);
}

/** A C0 control character (line breaks, tab, NUL …) or DEL: never part of a name or a value. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
