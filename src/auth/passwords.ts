import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { SyscloneError } from "../errors/errors.js";
import { hasControlCharacter } from "../objects/quote.js";

/** scrypt cost: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s), a 16-byte salt per user, a 32-byte key. */
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const MIN_LENGTH = 8;
const MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, options: { log2n: number; r: number; p: number }): Promise<Buffer> {
  const scryptOptions: ScryptOptions = { N: 2 ** options.log2n, r: options.r, p: options.p, maxmem: 256 * 2 ** options.log2n * options.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, scryptOptions, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A password as users may set it: one line, 8 to 1024 characters. */
export function checkPassword(password: string): string {
  if (password.length < MIN_LENGTH) throw new SyscloneError("BAD_PASSWORD", `the password is ${password.length} characters long; it needs at least ${MIN_LENGTH}`, { hint: "choose a longer one; nothing was changed" });
  if (password.length > MAX_LENGTH) throw new SyscloneError("BAD_PASSWORD", `the password is longer than ${MAX_LENGTH} characters`, { hint: "choose a shorter one; nothing was changed" });
  if (hasControlCharacter(password)) throw new SyscloneError("BAD_PASSWORD", "the password holds a control character or line break", { hint: "give it on one line; nothing was changed" });
  return password;
}

/** `scrypt$LOG2N$R$P$SALT$KEY` (salt and key in base64url): the cost travels with the hash, so it can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(checkPassword(password), salt, { log2n: LOG2_N, r: R, p: P });
  return ["scrypt", LOG2_N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

interface ParsedHash {
  readonly log2n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const match = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,88})\$([A-Za-z0-9_-]{43})$/.exec(stored);
  if (!match) return undefined;
  const [log2n, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { log2n, r, p, salt: Buffer.from(match[4] ?? "", "base64url"), key: Buffer.from(match[5] ?? "", "base64url") };
}

/**
 * Whether `password` matches `stored`, compared in constant time. A user without a password (or
 * with an unreadable hash) costs the same scrypt as one with, so timing does not tell them apart.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  const params = parsed ?? { log2n: LOG2_N, r: R, p: P, salt: Buffer.alloc(16), key: Buffer.alloc(KEY_BYTES) };
  const key = await derive(password.slice(0, MAX_LENGTH + 1), params.salt, params);
  return timingSafeEqual(key, params.key) && parsed !== undefined;
}
