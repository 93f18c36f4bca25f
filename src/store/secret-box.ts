import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { SyscloneError } from "../errors/errors.js";
import { SEALED_PREFIX } from "../objects/secret-mask.js";

const KEY_BYTES = 32;
const IV_BYTES = 12;

/** AES-256-GCM under one key: "sealed:v1:" + base64url of iv, tag and ciphertext. Pure given the key. */
export function sealWith(key: Buffer, clear: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(clear, "utf8"), cipher.final()]);
  return `${SEALED_PREFIX}${[iv, cipher.getAuthTag(), body].map((part) => part.toString("base64url")).join(".")}`;
}

export function openWith(key: Buffer, sealed: string): string {
  const parts = sealed.startsWith(SEALED_PREFIX) ? sealed.slice(SEALED_PREFIX.length).split(".") : [];
  const [iv, tag, body] = parts.map((part) => Buffer.from(part, "base64url"));
  if (parts.length !== 3 || !iv || !tag || !body || iv.length !== IV_BYTES || tag.length !== 16) {
    throw new SyscloneError("SECRET_UNREADABLE", "a stored secret is not in the sealed form sysclone writes", { hint: "set it again (chdef NODE bmcpassword=-)" });
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new SyscloneError("SECRET_UNREADABLE", "a stored secret does not open with var/secrets.key (the key was replaced, or the database comes from another home)", {
      hint: "restore the home's var/secrets.key from the same backup as the database, or set the secret again (chdef NODE bmcpassword=-)",
    });
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/**
 * The key secret attributes are sealed with: var/secrets.key (mode 0600), made on the first seal,
 * never on a read. Without a file (an in-memory store) the key lives and dies with the process.
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly keyFile: string | undefined) {}

  seal(clear: string): string {
    return sealWith(this.loadKey(true), clear);
  }

  open(sealed: string): string {
    return openWith(this.loadKey(false), sealed);
  }

  private loadKey(create: boolean): Buffer {
    if (this.key) return this.key;
    if (this.keyFile === undefined) return (this.key = randomBytes(KEY_BYTES));
    const file = this.keyFile;
    if (create) {
      try {
        const fd = openSync(file, "wx", 0o600);
        try {
          writeSync(fd, randomBytes(KEY_BYTES).toString("base64") + "\n");
        } finally {
          closeSync(fd);
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    }
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new SyscloneError("SECRET_UNREADABLE", `the secrets key ${file} is missing`, { hint: "restore it from the backup the database comes from, or set the secrets again (chdef NODE bmcpassword=-)" });
    }
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const key = Buffer.from(text.trim(), "base64");
    if (key.length !== KEY_BYTES) throw new SyscloneError("SECRET_UNREADABLE", `the secrets key ${file} is not ${KEY_BYTES} bytes of base64`, { hint: "restore it from a backup" });
    return (this.key = key);
  }
}
