import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { diffImageVersions, imageVersionViews, setCurrentVersion } from "../../src/image/rollback.js";
import { changeObject, createObject, removeObject } from "../../src/objects/single.js";
import { actorOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { attributesBody, attributesSchema, createBody, errors, nameParams, okBody } from "./schemas.js";

export const osimageSchema = {
  type: "object",
  properties: { name: { type: "string" }, attributes: attributesSchema },
  required: ["name", "attributes"],
  additionalProperties: false,
} as const;

export const versionsBody = {
  type: "object",
  properties: {
    versions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          version: { type: "integer" }, capturedAt: { type: "string" }, sourceNode: { type: "string" }, sizeBytes: { type: "integer" }, fileCount: { type: "integer" }, current: { type: "boolean" },
        },
        required: ["version", "capturedAt", "sourceNode", "sizeBytes", "fileCount", "current"],
        additionalProperties: false,
      },
    },
  },
  required: ["versions"],
  additionalProperties: false,
} as const;

const version = { type: "integer", minimum: 1, maximum: 999_999_999 } as const;
const paths = { type: "array", items: { type: "string" } } as const;
const count = { type: "integer" } as const;

const diffQuery = { type: "object", properties: { from: version, to: version }, required: ["from", "to"], additionalProperties: false } as const;
export const diffBody = {
  type: "object",
  properties: {
    added: paths, changed: paths, removed: paths,
    totals: { type: "object", properties: { added: count, changed: count, removed: count }, required: ["added", "changed", "removed"], additionalProperties: false },
    truncated: { type: "boolean", description: "true when a list holds only its first 5000 paths" },
  },
  required: ["added", "changed", "removed", "totals", "truncated"],
  additionalProperties: false,
} as const;

const currentBody = { type: "object", properties: { version }, required: ["version"], additionalProperties: false } as const;
export const currentAnswer = { type: "object", properties: { previous: { type: ["integer", "null"] }, current: version }, required: ["previous", "current"], additionalProperties: false } as const;

const tags = ["osimages"];

/** /osimages: definitions (admin), versions, the diff between two, and rollback (admin). */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const osimageRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store, repository } = ctx.deps;
  const objects = { store, clusterXml: ctx.deps.home.clusterXml };
  const viewOf = (name: string) => ({ name, attributes: store.requireObject("osimage", name) });

  app.get("/osimages", {
    schema: { summary: "Every osimage", tags, response: { 200: { type: "object", properties: { osimages: { type: "array", items: osimageSchema } }, required: ["osimages"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    return Promise.resolve({ osimages: store.listObjects("osimage") });
  });

  app.post("/osimages", {
    schema: { summary: "Define an osimage (admin); imgcapture fills it", tags, body: createBody, response: { 201: osimageSchema, ...errors } },
  }, async (request, reply) => {
    requireAction(request, "define");
    await createObject(objects, actorOf(request), "osimage", request.body.name, request.body.attributes ?? {});
    return reply.code(201).send(viewOf(request.body.name));
  });

  app.get("/osimages/:name", {
    schema: { summary: "One osimage", tags, params: nameParams, response: { 200: osimageSchema, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    return Promise.resolve(viewOf(request.params.name));
  });

  app.patch("/osimages/:name", {
    schema: { summary: "Change an osimage's attributes (admin)", tags, params: nameParams, body: attributesBody, response: { 200: osimageSchema, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await changeObject(objects, actorOf(request), "osimage", request.params.name, request.body.attributes);
    return viewOf(request.params.name);
  });

  app.delete("/osimages/:name", {
    schema: { summary: "Remove an osimage's definition (admin); its files stay (rmimage removes them)", tags, params: nameParams, response: { 200: okBody, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await removeObject(objects, actorOf(request), "osimage", request.params.name);
    return { ok: true };
  });

  app.get("/osimages/:name/versions", {
    schema: { summary: "The image's captured versions, the current one marked", tags, params: nameParams, response: { 200: versionsBody, ...errors } },
  }, async (request) => {
    requireAction(request, "read");
    return { versions: await imageVersionViews(store, repository, request.params.name) };
  });

  app.get("/osimages/:name/diff", {
    schema: { summary: "Files added, changed and removed from version `from` to version `to`", tags, params: nameParams, querystring: diffQuery, response: { 200: diffBody, ...errors } },
  }, async (request) => {
    requireAction(request, "read");
    const diff = await diffImageVersions(store, repository, request.params.name, request.query.from, request.query.to);
    return { added: [...diff.added], changed: [...diff.changed], removed: [...diff.removed], totals: diff.totals, truncated: diff.truncated };
  });

  app.post("/osimages/:name/current", {
    schema: { summary: "Roll back (or forward): make a version the current one (admin)", tags, params: nameParams, body: currentBody, response: { 200: currentAnswer, ...errors } },
  }, async (request) => {
    requireAction(request, "image");
    const result = await setCurrentVersion(store, repository, actorOf(request), request.params.name, request.body.version);
    return { previous: result.previous ?? null, current: result.current };
  });
};
