import { recordAudit, type Actor } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "../objects/quote.js";
import type { Store } from "../store/store.js";
import type { Role, TokenRecord, UserRecord } from "../store/users.js";
import { isExpired } from "./expiry.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import type { Principal } from "./policy.js";
import { newToken, tokenId, tokenMatches, tokenSha256 } from "./tokens.js";

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** A user name: letters, digits, . _ -, starting with a letter or _; not root, which the audit log keeps for the local CLI. */
export function checkUserName(name: string): string {
  if (!USER_NAME.test(name)) throw new SyscloneError("BAD_NAME", `${quoteInput(name)} is not a valid user name`, { hint: "use up to 64 letters, digits, '.', '_' and '-', starting with a letter or '_'" });
  if (name === "root") throw new SyscloneError("BAD_NAME", "root is the local CLI's name in the audit log and cannot be a user", { hint: "pick another name" });
  return name;
}

/** --groups G1,G2: group names, duplicates dropped. */
export function parseGroups(text: string): string[] {
  const groups = [...new Set(text.split(",").map((group) => group.trim()).filter((group) => group !== ""))];
  for (const group of groups) {
    if (!GROUP_NAME.test(group)) throw new SyscloneError("BAD_NAME", `${quoteInput(group)} is not a valid group name`, { hint: "use letters, digits, '.', '_' and '-'" });
  }
  return groups;
}

export function requireUser(store: Store, name: string): UserRecord {
  const user = store.users.get(name);
  if (!user) throw new SyscloneError("UNKNOWN_OBJECT", `no user named ${quoteInput(name)}`, { hint: "sysclone user list shows the users" });
  return user;
}

/** What the audit log keeps of a user: never its password hash. */
function userState(user: UserRecord): Record<string, string> {
  return { role: user.role, groups: user.groups.join(","), password: user.passwordHash === "" ? "none" : "set" };
}

export interface IssuedToken {
  readonly id: number;
  readonly user: string;
  /** The token itself: shown once, never stored. */
  readonly token: string;
  readonly expiresAt: string;
}

/** A new API token for a user; only its sha256 is kept. */
export function issueToken(store: Store, user: string, expiresAt: string, actor: Actor): IssuedToken {
  return store.transaction(() => {
    requireUser(store, user);
    let token = "";
    const id = store.users.addToken(user, expiresAt, (newId) => {
      token = newToken(newId);
      return tokenSha256(token);
    });
    recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: "token add", type: "token", name: String(id), before: null, after: { user, expires: expiresAt === "" ? "never" : expiresAt } });
    return { id, user, token, expiresAt };
  });
}

/**
 * A new user and its first API token. An admin is never scoped, so groups are refused for one.
 * Groups that no node is in yet are returned, for the caller to warn about (the user sees nothing there).
 */
export function addUser(store: Store, request: { name: string; role: Role; groups: readonly string[]; expiresAt: string }, actor: Actor): { user: UserRecord; token: IssuedToken; emptyGroups: string[] } {
  const name = checkUserName(request.name);
  if (request.role === "admin" && request.groups.length > 0) {
    throw new SyscloneError("USAGE", "an admin sees every node and is not scoped to groups", { hint: "leave out --groups, or give the user the operator or viewer role" });
  }
  return store.transaction(() => {
    if (store.users.get(name)) throw new SyscloneError("ALREADY_EXISTS", `user ${name} already exists`, { hint: `sysclone token add ${name} gives it another token` });
    store.users.add({ name, role: request.role, groups: request.groups });
    const user = requireUser(store, name);
    recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: "user add", type: "user", name, before: null, after: userState(user) });
    const token = issueToken(store, name, request.expiresAt, actor);
    const emptyGroups = request.groups.filter((group) => store.groupMembers(group) === undefined);
    return { user, token, emptyGroups };
  });
}

/** Removes a user and every token it has. */
export function deleteUser(store: Store, name: string, actor: Actor): void {
  store.transaction(() => {
    const user = requireUser(store, name);
    store.users.delete(name);
    recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: "user del", type: "user", name, before: userState(user), after: null });
  });
}

/** Sets (or replaces) a user's password, kept as a salted scrypt hash. */
export async function setPassword(store: Store, name: string, password: string, actor: Actor): Promise<void> {
  requireUser(store, name);
  const hash = await hashPassword(password);
  store.transaction(() => {
    const user = requireUser(store, name);
    store.users.setPasswordHash(name, hash);
    const had = user.passwordHash !== "";
    recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: "user passwd", type: "user", name, before: { password: had ? "set" : "none" }, after: { password: had ? "changed" : "set" } });
  });
}

export type TokenState = "active" | "expired" | "revoked";

export function tokenState(token: TokenRecord, now: Date): TokenState {
  if (token.revokedAt !== "") return "revoked";
  return isExpired(token.expiresAt, now) ? "expired" : "active";
}

/** Revokes a token at once; revoking one already revoked is refused, so a mistyped id is noticed. */
export function revokeToken(store: Store, id: number, actor: Actor): TokenRecord {
  return store.transaction(() => {
    const token = store.users.token(id);
    if (!token) throw new SyscloneError("UNKNOWN_OBJECT", `no token with id ${id}`, { hint: "sysclone token list shows the ids" });
    if (token.revokedAt !== "") throw new SyscloneError("USAGE", `token ${id} (of ${token.user}) was revoked already, at ${token.revokedAt}`, { hint: "sysclone token list shows which are active" });
    const at = new Date().toISOString();
    store.users.revokeToken(id, at);
    recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action: "token revoke", type: "token", name: String(id), before: { user: token.user, revoked: "" }, after: { user: token.user, revoked: at } });
    return { ...token, revokedAt: at };
  });
}

function unauthenticated(message: string): SyscloneError {
  return new SyscloneError("UNAUTHENTICATED", message, { hint: "present a valid API token (sysclone token add USER makes one)" });
}

/**
 * The principal a presented API token stands for; UNAUTHENTICATED when it is malformed, unknown,
 * wrong, revoked or expired. The secret is compared in constant time, also when the id is unknown.
 * A good token's last use is noted.
 */
export function authenticateToken(store: Store, presented: string, now = new Date()): Principal {
  const id = tokenId(presented);
  const token = id === undefined ? undefined : store.users.token(id);
  const matches = tokenMatches(presented, token?.tokenSha256 ?? "");
  if (!token || !matches) throw unauthenticated("the API token is not valid");
  if (token.revokedAt !== "") throw unauthenticated(`API token ${token.id} was revoked`);
  if (isExpired(token.expiresAt, now)) throw unauthenticated(`API token ${token.id} expired at ${token.expiresAt}`);
  const user = store.users.get(token.user);
  if (!user) throw unauthenticated("the API token is not valid");
  store.users.touchToken(token.id, now.toISOString());
  return { name: user.name, role: user.role, groups: user.groups };
}

/** The principal for a user name and password (a browser login); UNAUTHENTICATED otherwise, the same way whichever part was wrong. */
export async function authenticatePassword(store: Store, name: string, password: string): Promise<Principal> {
  const user = USER_NAME.test(name) ? store.users.get(name) : undefined;
  const good = await verifyPassword(password, user?.passwordHash ?? "");
  if (!user || !good) throw new SyscloneError("UNAUTHENTICATED", "wrong user name or password", { hint: "sysclone user passwd NAME sets a password" });
  return { name: user.name, role: user.role, groups: user.groups };
}
