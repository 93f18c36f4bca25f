import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "../objects/quote.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const MAX_SECONDS = 3650 * 86_400;

/**
 * `--expires`: a duration from now (90s, 30m, 12h, 30d, 52w; m is minutes), a future date or time
 * (2031-01-31, 2031-01-31T12:00:00Z), or `never`. Returns the expiry as an ISO time, or "" for never.
 */
export function parseExpiry(text: string, now: Date): string {
  const trimmed = text.trim();
  if (trimmed === "never") return "";
  const duration = /^(\d{1,10})([smhdw])$/.exec(trimmed);
  if (duration) {
    const seconds = Number(duration[1]) * (UNIT_SECONDS[duration[2] ?? ""] ?? 0);
    if (seconds < 1 || seconds > MAX_SECONDS) throw badExpiry(text, "give a duration from 1s to 3650d");
    return new Date(now.getTime() + seconds * 1000).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(trimmed)) {
    const at = new Date(trimmed);
    if (Number.isNaN(at.getTime())) throw badExpiry(text, "it is not a real date");
    if (at.getTime() <= now.getTime()) throw badExpiry(text, "it is in the past");
    if (at.getTime() - now.getTime() > MAX_SECONDS * 1000) throw badExpiry(text, "it is more than 3650 days away");
    return at.toISOString();
  }
  throw badExpiry(text, "use a duration like 30d, 12h or 90m, a date like 2031-01-31, or never");
}

function badExpiry(text: string, why: string): SyscloneError {
  return new SyscloneError("BAD_EXPIRY", `--expires ${quoteInput(text)} is not a usable expiry: ${why}`, { hint: "e.g. --expires 30d; nothing was changed" });
}

/** Whether a token with this expiry ("" never) has expired at `now`. */
export function isExpired(expiresAt: string, now: Date): boolean {
  return expiresAt !== "" && Date.parse(expiresAt) <= now.getTime();
}
