import type Database from "better-sqlite3";

export type Role = "admin" | "operator" | "viewer";

export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  /** Groups the user is scoped to; empty: the whole fleet. */
  readonly groups: readonly string[];
  /** `scrypt$…` (src/auth/passwords.ts), or empty: no password, tokens only. */
  readonly passwordHash: string;
  readonly createdAt: string;
}

export interface TokenRecord {
  readonly id: number;
  readonly user: string;
  readonly tokenSha256: string;
  readonly createdAt: string;
  /** Empty: never expires. */
  readonly expiresAt: string;
  readonly lastUsedAt: string;
  /** Empty: not revoked. */
  readonly revokedAt: string;
}

/** Users and their API tokens. Tokens are kept as sha256 only; deleting a user deletes its tokens. */
export class UserTable {
  constructor(private readonly db: Database.Database) {}

  add(user: { name: string; role: Role; groups: readonly string[] }): void {
    this.db.prepare("INSERT INTO users (name, role, groups, created_at) VALUES (?, ?, ?, ?)").run(user.name, user.role, user.groups.join(","), new Date().toISOString());
  }

  get(name: string): UserRecord | undefined {
    const row = this.db.prepare("SELECT * FROM users WHERE name = ?").get(name) as Record<string, string> | undefined;
    return row ? toUser(row) : undefined;
  }

  list(): UserRecord[] {
    return (this.db.prepare("SELECT * FROM users ORDER BY name").all() as Record<string, string>[]).map(toUser);
  }

  /** Removes the user and its tokens; false when there was no such user. */
  delete(name: string): boolean {
    return this.db.prepare("DELETE FROM users WHERE name = ?").run(name).changes > 0;
  }

  setPasswordHash(name: string, hash: string): void {
    this.db.prepare("UPDATE users SET password = ? WHERE name = ?").run(hash, name);
  }

  /** A new token row: the caller computes the hash from the id it gets (tokens carry their id). */
  addToken(user: string, expiresAt: string, hashOf: (id: number) => string): number {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const id = Number(this.db.prepare("INSERT INTO api_tokens (username, token_sha256, created_at, expires_at) VALUES (?, '', ?, ?)").run(user, now, expiresAt).lastInsertRowid);
      this.db.prepare("UPDATE api_tokens SET token_sha256 = ? WHERE id = ?").run(hashOf(id), id);
      return id;
    })();
  }

  token(id: number): TokenRecord | undefined {
    const row = this.db.prepare("SELECT * FROM api_tokens WHERE id = ?").get(id) as Record<string, string | number> | undefined;
    return row ? toToken(row) : undefined;
  }

  tokens(user?: string): TokenRecord[] {
    const rows = user === undefined ? this.db.prepare("SELECT * FROM api_tokens ORDER BY id").all() : this.db.prepare("SELECT * FROM api_tokens WHERE username = ? ORDER BY id").all(user);
    return (rows as Record<string, string | number>[]).map(toToken);
  }

  /** False when the token does not exist or was revoked already. */
  revokeToken(id: number, at: string): boolean {
    return this.db.prepare("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = ''").run(at, id).changes > 0;
  }

  touchToken(id: number, at: string): void {
    this.db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?").run(at, id);
  }
}

function toUser(row: Record<string, string>): UserRecord {
  return {
    name: String(row["name"]),
    role: String(row["role"]) as Role,
    groups: String(row["groups"] ?? "").split(",").filter((group) => group !== ""),
    passwordHash: String(row["password"] ?? ""),
    createdAt: String(row["created_at"]),
  };
}

function toToken(row: Record<string, string | number>): TokenRecord {
  return {
    id: Number(row["id"]),
    user: String(row["username"]),
    tokenSha256: String(row["token_sha256"]),
    createdAt: String(row["created_at"]),
    expiresAt: String(row["expires_at"] ?? ""),
    lastUsedAt: String(row["last_used_at"] ?? ""),
    revokedAt: String(row["revoked_at"] ?? ""),
  };
}
