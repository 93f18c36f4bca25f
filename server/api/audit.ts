import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { nodeFacts } from "../../src/auth/node-facts.js";
import { canSee } from "../../src/auth/policy.js";
import { principalOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { errors, NAME_PATTERN } from "./schemas.js";

const state = { type: ["object", "null"], additionalProperties: { type: "string" } } as const;

export const auditBody = {
  type: "object",
  properties: {
    entries: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "integer" },
          at: { type: "string" },
          actor: { type: "string" },
          via: { type: "string", enum: ["cli", "api"] },
          from: { type: "string" },
          action: { type: "string" },
          type: { type: "string" },
          name: { type: "string" },
          before: state,
          after: state,
        },
        required: ["id", "at", "actor", "via", "from", "action", "type", "name", "before", "after"],
        additionalProperties: false,
      },
    },
  },
  required: ["entries"],
  additionalProperties: false,
} as const;

const auditQuery = {
  type: "object",
  properties: {
    node: { type: "string", pattern: NAME_PATTERN, description: "only records about this node" },
    actor: { type: "string", maxLength: 64 },
    after: { type: "integer", minimum: 0, description: "records after this id (to follow the log); without it the newest" },
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

/**
 * GET /audit: who changed what, from where, before → after; oldest first. Admins and unscoped users
 * see every record; a user scoped to groups sees the records of the nodes in its scope only.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const auditRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;
  app.get("/audit", {
    schema: { summary: "The audit log: every change by the CLI and the API", tags: ["audit"], querystring: auditQuery, response: { 200: auditBody, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    const principal = principalOf(request);
    const { node, actor, after, limit } = request.query;
    const scoped = principal.role !== "admin" && principal.groups.length > 0;
    const visible = scoped ? nodeFacts(store).filter((facts) => canSee(principal, facts)).map((facts) => facts.name) : undefined;
    const names = node !== undefined ? (visible === undefined || visible.includes(node) ? [node] : []) : visible;
    const entries = store.audit.list({
      ...(node !== undefined || scoped ? { type: "node" } : {}),
      ...(names !== undefined ? { names } : {}),
      ...(actor !== undefined ? { actor } : {}),
      ...(after !== undefined ? { after } : {}),
      limit,
    });
    return Promise.resolve({ entries });
  });
};
