import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { SyscloneError } from "../../src/errors/errors.js";
import { listGroupViews, type GroupView } from "../../src/objects/group-view.js";
import { quoteInput } from "../../src/objects/quote.js";
import { changeObject, createObject, removeObject } from "../../src/objects/single.js";
import { actorOf, principalOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { attributesBody, attributesSchema, createBody, errors, nameParams, okBody } from "./schemas.js";

export const groupSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    attributes: attributesSchema,
    members: { type: "array", items: { type: "string" }, description: "the members the caller sees" },
    defined: { type: "boolean", description: "false for a group only named in its nodes' groups" },
  },
  required: ["name", "attributes", "members", "defined"],
  additionalProperties: false,
} as const;

const tags = ["groups"];

/** /groups: the groups the caller sees (with the members it sees); definitions for admins. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const groupRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;
  const objects = { store, clusterXml: ctx.deps.home.clusterXml };
  const mutable = (group: GroupView) => ({ ...group, members: [...group.members] });
  const viewOf = (request: Parameters<typeof principalOf>[0], name: string) => {
    const found = listGroupViews(store, principalOf(request)).find((group) => group.name === name);
    if (!found) throw new SyscloneError("UNKNOWN_OBJECT", `no group named ${quoteInput(name)}`, { hint: "GET /api/v1/groups lists the groups you can see" });
    return mutable(found);
  };

  app.get("/groups", {
    schema: { summary: "Groups the caller sees", tags, response: { 200: { type: "object", properties: { groups: { type: "array", items: groupSchema } }, required: ["groups"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    return Promise.resolve({ groups: listGroupViews(store, principalOf(request)).map(mutable) });
  });

  app.post("/groups", {
    schema: { summary: "Define a group (admin); members= takes a noderange", tags, body: createBody, response: { 201: groupSchema, ...errors } },
  }, async (request, reply) => {
    requireAction(request, "define");
    await createObject(objects, actorOf(request), "group", request.body.name, request.body.attributes ?? {});
    return reply.code(201).send(viewOf(request, request.body.name));
  });

  app.get("/groups/:name", {
    schema: { summary: "One group (404 also when the caller sees none of it)", tags, params: nameParams, response: { 200: groupSchema, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    return Promise.resolve(viewOf(request, request.params.name));
  });

  app.patch("/groups/:name", {
    schema: { summary: "Change a group's attributes or members (admin)", tags, params: nameParams, body: attributesBody, response: { 200: groupSchema, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await changeObject(objects, actorOf(request), "group", request.params.name, request.body.attributes);
    return viewOf(request, request.params.name);
  });

  app.delete("/groups/:name", {
    schema: { summary: "Remove a group (admin): its nodes stay, the group leaves their groups", tags, params: nameParams, response: { 200: okBody, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await removeObject(objects, actorOf(request), "group", request.params.name);
    return { ok: true };
  });
};
