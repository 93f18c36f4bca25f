import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { addUser, deleteUser, issueToken, parseGroups, requireUser, revokeToken, setPassword, tokenState } from "../../src/auth/accounts.js";
import { parseExpiry } from "../../src/auth/expiry.js";
import { checkPassword } from "../../src/auth/passwords.js";
import type { UserRecord } from "../../src/store/users.js";
import { actorOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { errors } from "./schemas.js";

export const userSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    role: { type: "string", enum: ["admin", "operator", "viewer"] },
    groups: { type: "array", items: { type: "string" } },
    password: { type: "boolean", description: "whether the user has a password (can log in to the dashboard)" },
    createdAt: { type: "string" },
  },
  required: ["name", "role", "groups", "password", "createdAt"],
  additionalProperties: false,
} as const;

export const issuedSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    user: { type: "string" },
    token: { type: "string", description: "shown only in this answer; only its sha256 is kept" },
    expiresAt: { type: "string", description: "empty: never" },
  },
  required: ["id", "user", "token", "expiresAt"],
  additionalProperties: false,
} as const;

export const tokenSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    user: { type: "string" },
    state: { type: "string", enum: ["active", "expired", "revoked"] },
    createdAt: { type: "string" },
    expiresAt: { type: "string" },
    lastUsedAt: { type: "string" },
    revokedAt: { type: "string" },
  },
  required: ["id", "user", "state", "createdAt", "expiresAt", "lastUsedAt", "revokedAt"],
  additionalProperties: false,
} as const;

const expires = { type: "string", maxLength: 64, description: "30d, 12h, 2031-01-31 or never (default never)" } as const;

const newUserBody = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1, maxLength: 64 },
    role: { type: "string", enum: ["admin", "operator", "viewer"] },
    groups: { type: "array", maxItems: 256, items: { type: "string", maxLength: 128 } },
    password: { type: "string", maxLength: 1024 },
    expires,
  },
  required: ["name", "role"],
  additionalProperties: false,
} as const;

const newTokenBody = { type: "object", properties: { user: { type: "string", minLength: 1, maxLength: 64 }, expires }, required: ["user"], additionalProperties: false } as const;
const userParams = { type: "object", properties: { name: { type: "string", minLength: 1, maxLength: 64 } }, required: ["name"], additionalProperties: false } as const;
const tokenParams = { type: "object", properties: { id: { type: "integer", minimum: 1 } }, required: ["id"], additionalProperties: false } as const;

function userView(user: UserRecord) {
  return { name: user.name, role: user.role, groups: [...user.groups], password: user.passwordHash !== "", createdAt: user.createdAt };
}

const tags = ["users"];

/** Users and API tokens, for admins. A new user's first token, like every new token, is shown once. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const userRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;

  app.get("/users", {
    schema: { summary: "Every user (admin)", tags, response: { 200: { type: "object", properties: { users: { type: "array", items: userSchema } }, required: ["users"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "users");
    return Promise.resolve({ users: store.users.list().map(userView) });
  });

  app.post("/users", {
    schema: {
      summary: "Add a user (admin): answers its first API token, shown once; a password lets it log in to the dashboard",
      tags,
      body: newUserBody,
      response: { 201: { type: "object", properties: { user: userSchema, token: issuedSchema, emptyGroups: { type: "array", items: { type: "string" } } }, required: ["user", "token", "emptyGroups"], additionalProperties: false }, ...errors },
    },
  }, async (request, reply) => {
    requireAction(request, "users");
    const { name, role, groups, password, expires: expiry } = request.body;
    // Everything is checked before the user is added: a refusal adds nothing.
    const scope = parseGroups((groups ?? []).join(","));
    const expiresAt = parseExpiry(expiry ?? "never", new Date());
    if (password !== undefined) checkPassword(password);
    const actor = actorOf(request);
    const added = addUser(store, { name, role, groups: scope, expiresAt }, actor);
    if (password !== undefined) await setPassword(store, name, password, actor);
    const { id, user, token } = added.token;
    return reply.code(201).send({ user: userView(requireUser(store, name)), token: { id, user, token, expiresAt: added.token.expiresAt }, emptyGroups: added.emptyGroups });
  });

  app.delete("/users/:name", {
    schema: { summary: "Remove a user, its tokens and its sessions (admin)", tags, params: userParams, response: { 200: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "users");
    deleteUser(store, request.params.name, actorOf(request));
    ctx.sessions.closeUser(request.params.name);
    return Promise.resolve({ ok: true });
  });

  app.get("/tokens", {
    schema: { summary: "Every API token's record, never the token (admin)", tags, response: { 200: { type: "object", properties: { tokens: { type: "array", items: tokenSchema } }, required: ["tokens"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "users");
    const now = new Date();
    return Promise.resolve({
      tokens: store.users.tokens().map((token) => ({
        id: token.id, user: token.user, state: tokenState(token, now), createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt, revokedAt: token.revokedAt,
      })),
    });
  });

  app.post("/tokens", {
    schema: { summary: "A new API token for a user (admin), shown once", tags, body: newTokenBody, response: { 201: issuedSchema, ...errors } },
  }, (request, reply) => {
    requireAction(request, "users");
    const expiresAt = parseExpiry(request.body.expires ?? "never", new Date());
    const issued = issueToken(store, request.body.user, expiresAt, actorOf(request));
    void reply.code(201);
    return Promise.resolve({ id: issued.id, user: issued.user, token: issued.token, expiresAt: issued.expiresAt });
  });

  app.delete("/tokens/:id", {
    schema: { summary: "Revoke a token at once (admin)", tags, params: tokenParams, response: { 200: tokenSchema, ...errors } },
  }, (request) => {
    requireAction(request, "users");
    const token = revokeToken(store, request.params.id, actorOf(request));
    return Promise.resolve({ id: token.id, user: token.user, state: tokenState(token, new Date()), createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt, revokedAt: token.revokedAt });
  });
};
