import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API tokens: `sct_<id>_<43 base64url characters>` (256 random bits). The id lets the server find
 * the row without searching by secret; the row keeps only the token's sha256.
 */
const TOKEN = /^sct_([1-9]\d{0,15})_[A-Za-z0-9_-]{43}$/;

export function newToken(id: number): string {
  return `sct_${id}_${randomBytes(32).toString("base64url")}`;
}

export function tokenSha256(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The id a token names, or undefined when the text is not shaped like one of our tokens. */
export function tokenId(token: string): number | undefined {
  const match = TOKEN.exec(token);
  return match ? Number(match[1]) : undefined;
}

/** Whether a presented token hashes to the stored sha256, compared in constant time. */
export function tokenMatches(presented: string, storedSha256: string): boolean {
  const stored = /^[0-9a-f]{64}$/.test(storedSha256) ? Buffer.from(storedSha256, "hex") : Buffer.alloc(32);
  const same = timingSafeEqual(createHash("sha256").update(presented, "utf8").digest(), stored);
  return same && storedSha256.length === 64;
}
