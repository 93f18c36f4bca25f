import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { authenticatePassword } from "../../src/auth/accounts.js";
import { SyscloneError } from "../../src/errors/errors.js";
import { clientAddress } from "../request.js";
import { sessionSetCookie } from "./auth.js";
import { principalOf, type ApiContext } from "./context.js";
import { errors, okBody, principalBody } from "./schemas.js";

const loginBody = {
  type: "object",
  properties: { user: { type: "string", minLength: 1, maxLength: 64 }, password: { type: "string", maxLength: 1024 } },
  required: ["user", "password"],
  additionalProperties: false,
} as const;

const sessionBody = {
  type: "object",
  properties: { ...principalBody.properties, csrf: { type: "string", description: "send as x-csrf-token on POST, PATCH and DELETE" } },
  required: [...principalBody.required, "csrf"],
} as const;

const tags = ["session"];

/** Browser sessions (login, logout, the CSRF token again after a reload) and whoami. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const sessionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;

  app.post("/session", {
    config: { public: true },
    schema: { summary: "Log in: sets the sysclone_session cookie and answers the CSRF token", tags, body: loginBody, response: { 200: sessionBody, ...errors } },
  }, async (request, reply) => {
    const { user, password } = request.body;
    ctx.logins.attempt(clientAddress(request.ip), user);
    const principal = await authenticatePassword(store, user, password);
    const { id, session } = ctx.sessions.open(principal.name);
    void reply.header("set-cookie", sessionSetCookie(ctx, id, Math.floor((session.expiresAt - Date.now()) / 1000)));
    return { user: principal.name, role: principal.role, groups: [...principal.groups], csrf: session.csrf };
  });

  app.get("/session", {
    schema: { summary: "The logged-in session's user and CSRF token (401 when there is none)", tags, response: { 200: sessionBody, ...errors } },
  }, (request) => {
    const principal = principalOf(request);
    const credential = request.credential;
    if (credential?.kind !== "session") throw new SyscloneError("UNAUTHENTICATED", "this request carries an API token, not a browser session", { hint: "GET /api/v1/whoami tells who a token is" });
    return Promise.resolve({ user: principal.name, role: principal.role, groups: [...principal.groups], csrf: credential.csrf });
  });

  app.delete("/session", {
    schema: { summary: "Log out: ends the session", tags, response: { 200: okBody, ...errors } },
  }, (request, reply) => {
    const credential = request.credential;
    if (credential?.kind === "session") ctx.sessions.close(credential.id);
    void reply.header("set-cookie", sessionSetCookie(ctx, "", 0));
    return Promise.resolve({ ok: true });
  });

  app.get("/whoami", {
    schema: { summary: "Who the credentials stand for: user, role and the groups it is scoped to", tags, response: { 200: principalBody, ...errors } },
  }, (request) => {
    const principal = principalOf(request);
    return Promise.resolve({ user: principal.name, role: principal.role, groups: [...principal.groups] });
  });
};
