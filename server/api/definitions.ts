import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { nodeFacts } from "../../src/auth/node-facts.js";
import { canSee } from "../../src/auth/policy.js";
import { MAX_EXPANSION } from "../../src/noderange/noderange.js";
import { changeObjects, renameNodeObject } from "../../src/objects/change.js";
import { describeGroup, describeObject, implicitGroup } from "../../src/objects/describe.js";
import { expandObjectNames } from "../../src/objects/expand.js";
import { listGroupViews } from "../../src/objects/group-view.js";
import type { Attributes, ObjectType } from "../../src/objects/schema.js";
import { storeNoderangeContext } from "../../src/store/noderange-context.js";
import { actorOf, principalOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { errors } from "./schemas.js";

/**
 * /definitions: objects as lsdef shows them, and chdef's changes (many objects, set/add/remove, all
 * or nothing) and rename; what the remote CLI (SYSCLONE_URL) needs beyond the resource routes, so
 * lsdef and chdef print through the API what they print at the server's shell.
 */

/** Attribute values as lsdef shows them, derived ones included (members, imagedir, versions, size, captured, kernel). */
const shownAttributes = { type: "object", additionalProperties: { type: "string" } } as const;

export const definitionsBody = {
  type: "object",
  properties: {
    objects: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, attributes: shownAttributes }, required: ["name", "attributes"], additionalProperties: false },
    },
  },
  required: ["objects"],
  additionalProperties: false,
} as const;

const typeQuery = {
  type: "object",
  properties: { type: { type: "string", enum: ["node", "group", "osimage"] } },
  required: ["type"],
  additionalProperties: false,
} as const;

/** Attribute names are checked by the same code as at the shell, so a wrong one is refused in the same words. */
const givenAttributes = { type: "object", additionalProperties: { type: "string", maxLength: 65_536 }, propertyNames: { maxLength: 128 }, maxProperties: 256 } as const;

export const changeBody = {
  type: "object",
  properties: {
    definitions: {
      type: "array",
      minItems: 1,
      maxItems: 100_000,
      items: {
        type: "object",
        properties: {
          type: { type: "string", enum: ["node", "group", "osimage"] },
          names: { type: "array", minItems: 1, maxItems: MAX_EXPANSION, items: { type: "string", minLength: 1, maxLength: 256 } },
          attributes: givenAttributes,
        },
        required: ["type", "names", "attributes"],
        additionalProperties: false,
      },
    },
    mode: { type: "string", enum: ["set", "add", "remove"], description: "set replaces values, add (chdef -p) adds to list attributes, remove (chdef -m) takes out of them" },
    stanza: { type: "boolean", description: "the definitions come from a stanza file being restored (lsdef -z): read-only attributes are written, derived ones ignored" },
  },
  required: ["definitions", "mode"],
  additionalProperties: false,
} as const;

export const changeAnswer = {
  type: "object",
  properties: {
    created: { type: "array", items: { type: "string" }, description: "\"node n01\", …: what did not exist and was defined" },
    changed: { type: "array", items: { type: "string" }, description: "what existed and was changed" },
  },
  required: ["created", "changed"],
  additionalProperties: false,
} as const;

export const renameBody = {
  type: "object",
  properties: { from: { type: "string", maxLength: 256 }, to: { type: "string", maxLength: 256 } },
  required: ["from", "to"],
  additionalProperties: false,
} as const;

/** A stanza restore of a large fleet is bigger than fastify's default 1 MiB body. */
const CHANGE_BODY_LIMIT = 32 * 1024 * 1024;

/** Admins only, checked before the body is read. */
function requireDefine(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  try {
    requireAction(request, "define");
    done();
  } catch (error) {
    done(error as Error);
  }
}

const tags = ["definitions"];

// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const definitionRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store, repository } = ctx.deps;

  app.get("/definitions", {
    schema: { summary: "Every node, group or osimage (?type=) the caller sees, with the attributes lsdef shows (derived ones included; a group's visible members)", tags, querystring: typeQuery, response: { 200: definitionsBody, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    const principal = principalOf(request);
    const type: ObjectType = request.query.type;
    let objects: { name: string; attributes: Attributes }[];
    if (type === "node") {
      const visible = new Set(nodeFacts(store).filter((node) => canSee(principal, node)).map((node) => node.name));
      objects = store.listObjects("node").filter((node) => visible.has(node.name));
    } else if (type === "group") {
      objects = listGroupViews(store, principal).map((group) => ({ name: group.name, attributes: describeGroup(group.defined ? group.attributes : implicitGroup(), group.members) }));
    } else {
      objects = store.listObjects("osimage").map((image) => ({ name: image.name, attributes: describeObject("osimage", image.name, image.attributes, store, repository) }));
    }
    return Promise.resolve({ objects });
  });

  app.post("/definitions", {
    bodyLimit: CHANGE_BODY_LIMIT,
    onRequest: requireDefine,
    schema: { summary: "chdef (admin): change nodes, groups and osimages, defining those that do not exist; all or nothing", tags, body: changeBody, response: { 200: changeAnswer, ...errors } },
  }, async (request) => {
    const { definitions, mode, stanza } = request.body;
    const result = await changeObjects(
      { store, clusterXml: ctx.deps.home.clusterXml, actor: actorOf(request) },
      { definitions, mode, fromStanza: stanza === true, expandMembers: (members) => expandObjectNames("node", [members], storeNoderangeContext(store)) },
    );
    return { created: [...result.created], changed: [...result.changed] };
  });

  app.post("/definitions/rename", {
    onRequest: requireDefine,
    schema: { summary: "chdef -n (admin): a node gets a new name, every attribute kept", tags, body: renameBody, response: { 200: renameBody, ...errors } },
  }, async (request) => {
    return renameNodeObject({ store, clusterXml: ctx.deps.home.clusterXml, actor: actorOf(request) }, request.body.from, request.body.to);
  });
};
