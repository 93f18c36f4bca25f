import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticateToken } from "../../src/auth/accounts.js";
import { sameSecret } from "../../src/auth/sessions.js";
import { tokenId } from "../../src/auth/tokens.js";
import { errorCatalog, isSyscloneError, SyscloneError } from "../../src/errors/errors.js";
import { bearerToken } from "../schemas.js";
import type { ApiContext } from "./context.js";

export const SESSION_COOKIE = "sysclone_session";

/** The session cookie's value in a Cookie header, if there is one. */
export function sessionCookie(header: string | undefined): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return undefined;
}

/** Set-Cookie for a session (an empty value with Max-Age=0 ends it in the browser). */
export function sessionSetCookie(ctx: ApiContext, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${ctx.secureCookies ? "; Secure" : ""}`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function unauthenticated(message: string): SyscloneError {
  return new SyscloneError("UNAUTHENTICATED", message, { hint: "log in (POST /api/v1/session) or send Authorization: Bearer with an API token" });
}

/**
 * The API scope's one authentication step, before the body is read: an API token as a bearer, or
 * a session cookie, whose state-changing requests must also carry the session's x-csrf-token. The
 * user is read again on every request, so a removed user or a changed role takes effect at once.
 */
export function authenticateRequest(ctx: ApiContext, request: FastifyRequest): void {
  if (request.routeOptions.config.public === true) return;
  const { store } = ctx.deps;
  const header = request.headers.authorization;
  if (header !== undefined) {
    const token = bearerToken(header);
    if (token === undefined || token.length > 256) throw unauthenticated("the Authorization header is not Bearer and an API token");
    request.principal = authenticateToken(store, token);
    request.credential = { kind: "token", id: tokenId(token) ?? 0 };
    return;
  }
  const id = sessionCookie(request.headers.cookie);
  if (id === undefined || id === "") throw unauthenticated("not logged in");
  const session = ctx.sessions.find(id);
  const user = session ? store.users.get(session.user) : undefined;
  if (!session || !user) {
    ctx.sessions.close(id);
    throw unauthenticated("the session has ended; log in again");
  }
  if (!SAFE_METHODS.has(request.method)) {
    const presented = request.headers["x-csrf-token"];
    if (typeof presented !== "string" || !sameSecret(presented, session.csrf)) {
      throw new SyscloneError("CSRF", `${request.method} with a session cookie needs the session's x-csrf-token header`, { hint: "send the csrf value POST or GET /api/v1/session answered as x-csrf-token; nothing was changed" });
    }
  }
  request.principal = { name: user.name, role: user.role, groups: user.groups };
  request.credential = { kind: "session", id, csrf: session.csrf };
}

/** Refusals as { code, message, hint, nodes?, retryAfter? } with the catalog's HTTP status; anything else is a 500 logged, never shown. */
export function apiErrorHandler(app: FastifyInstance) {
  return (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
    if (isSyscloneError(error)) {
      const nodes = error.details?.["nodes"];
      const retryAfter = error.details?.["retryAfter"];
      if (typeof retryAfter === "number") void reply.header("retry-after", String(retryAfter));
      return reply.code(errorCatalog[error.code].http).send({
        code: error.code,
        message: error.message,
        ...(error.hint ? { hint: error.hint } : {}),
        ...(Array.isArray(nodes) ? { nodes: nodes.map(String) } : {}),
        ...(typeof retryAfter === "number" ? { retryAfter } : {}),
      });
    }
    if (error.validation) return reply.code(400).send({ code: "BAD_REQUEST", message: error.message.replace(/[\r\n]+/g, " ") });
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: error.code || "BAD_REQUEST", message: error.message.replace(/[\r\n]+/g, " ") });
    }
    app.log.error(error);
    return reply.code(500).send({ code: "INTERNAL", message: "internal error; see the server log" });
  };
}
