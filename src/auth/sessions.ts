import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A browser session lives this long from its login, whatever its use. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface Session {
  readonly user: string;
  /** The value a state-changing request made with the session's cookie must carry in x-csrf-token. */
  readonly csrf: string;
  readonly expiresAt: number;
}

const digest = (id: string): string => createHash("sha256").update(id).digest("hex");

/** Compares two secrets in constant time (different lengths are simply unequal). */
export function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Browser sessions, in memory: a server restart logs everyone out. Kept by the sha256 of the
 * cookie's value, so the table holds nothing a cookie could be made from. The oldest session goes
 * when the table is full. The clock is passed in.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly lifetimeMs = SESSION_LIFETIME_MS,
    private readonly maxSessions = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for `user`: the cookie's value and the CSRF token, both 256 random bits. */
  open(user: string): { id: string; session: Session } {
    const id = randomBytes(32).toString("base64url");
    const session: Session = { user, csrf: randomBytes(32).toString("base64url"), expiresAt: this.now() + this.lifetimeMs };
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session a cookie value stands for; an expired one is forgotten. */
  find(id: string): Session | undefined {
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session && session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  close(id: string): void {
    this.sessions.delete(digest(id));
  }

  /** Ends every session of a user (the user was removed). */
  closeUser(user: string): void {
    for (const [key, session] of this.sessions) if (session.user === user) this.sessions.delete(key);
  }

  get size(): number {
    return this.sessions.size;
  }
}
