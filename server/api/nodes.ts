import { open } from "node:fs/promises";
import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { isSyscloneError, SyscloneError } from "../../src/errors/errors.js";
import { installLogFile } from "../../src/install/service.js";
import { assignDiscovered } from "../../src/nodes/assign.js";
import { cancelInstall } from "../../src/nodes/cancel.js";
import { nodeTimeline } from "../../src/nodes/timeline.js";
import { listNodeViews, nodeView } from "../../src/nodes/view.js";
import { changeObject, createObject, removeObject } from "../../src/objects/single.js";
import { dryRunPlan } from "../../src/plan/dry-run.js";
import { summarisePlan } from "../../src/plan/summary.js";
import { actorOf, principalOf, type ApiContext } from "./context.js";
import { requireAction, requireNodeAction, requireVisibleNode } from "./guard.js";
import { attributesBody, createBody, errors, NAME_PATTERN, nameParams, nodeSchema, okBody } from "./schemas.js";

const listQuery = {
  type: "object",
  properties: {
    noderange: { type: "string", maxLength: 4096, description: "an xCAT noderange, among the nodes the caller sees" },
    state: { type: "string", maxLength: 32 },
    group: { type: "string", maxLength: 128 },
    q: { type: "string", maxLength: 256, description: "text in the name, host name, IP, MACs, groups or osimage" },
  },
  additionalProperties: false,
} as const;

export const planBody = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    code: { type: "string" },
    message: { type: "string" },
    hint: { type: "string" },
    plan: {
      type: "object",
      properties: {
        node: { type: "string" },
        osimage: { type: "string" },
        version: { type: "integer" },
        target: { type: "string", enum: ["disks", "directory"] },
        disks: {
          type: "array",
          items: {
            type: "object",
            properties: {
              dev: { type: "string" },
              sizeBytes: { type: "integer" },
              wiped: { type: "boolean" },
              labelType: { type: "string" },
              partitions: {
                type: "array",
                items: {
                  type: "object",
                  properties: { dev: { type: "string" }, sizeBytes: { type: "integer" }, type: { type: "string" }, fs: { type: "string" }, mountpoint: { type: "string" } },
                  required: ["dev", "sizeBytes", "type", "fs", "mountpoint"],
                  additionalProperties: false,
                },
              },
            },
            required: ["dev", "sizeBytes", "wiped", "labelType", "partitions"],
            additionalProperties: false,
          },
        },
        wipeDisks: { type: "array", items: { type: "string" } },
        transport: { type: "string", enum: ["rsync", "archive", "multicast"] },
        postscripts: { type: "array", items: { type: "string" } },
        finalAction: { type: "string" },
        warnings: { type: "array", items: { type: "string" } },
        lines: { type: "array", items: { type: "string" } },
      },
      required: ["node", "osimage", "version", "target", "disks", "wipeDisks", "transport", "postscripts", "finalAction", "warnings", "lines"],
      additionalProperties: false,
    },
  },
  required: ["ok"],
  additionalProperties: false,
} as const;

const logQuery = {
  type: "object",
  properties: { offset: { type: "integer", minimum: 0, description: "bytes to skip: the x-sysclone-log-next of the previous answer, to follow the log" } },
  additionalProperties: false,
} as const;

export const timelineBody = {
  type: "object",
  properties: {
    entries: {
      type: "array",
      items: {
        type: "object",
        properties: { at: { type: "string" }, kind: { type: "string" }, source: { type: "string", enum: ["audit", "event"] }, message: { type: "string" }, actor: { type: "string" } },
        required: ["at", "kind", "source", "message"],
        additionalProperties: false,
      },
    },
  },
  required: ["entries"],
  additionalProperties: false,
} as const;

const assignBody = {
  type: "object",
  properties: { discovered: { type: "string", pattern: NAME_PATTERN, description: "the discovered record (discovered-<mac>) that is this node" } },
  required: ["discovered"],
  additionalProperties: false,
} as const;

/** A log answer holds at most this much; the caller follows with ?offset=. */
const MAX_LOG_ANSWER = 1024 * 1024;

const tags = ["nodes"];

/** /nodes: the fleet as the caller sees it, node definitions (admin), the dry-run plan, the install log, the timeline, cancel. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const nodeRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;
  const objects = { store, clusterXml: ctx.deps.home.clusterXml };
  const groupMap = () => new Map(store.listObjects("group").map((group) => [group.name, group.attributes]));
  const viewOf = (name: string) => nodeView(name, store.requireObject("node", name), groupMap());

  app.get("/nodes", {
    schema: { summary: "Nodes the caller sees, with their status; filtered by noderange, state, group and text", tags, querystring: listQuery, response: { 200: { type: "object", properties: { nodes: { type: "array", items: nodeSchema } }, required: ["nodes"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    return Promise.resolve({ nodes: listNodeViews(store, principalOf(request), request.query) });
  });

  app.post("/nodes", {
    schema: { summary: "Define a node (admin)", tags, body: createBody, response: { 201: nodeSchema, ...errors } },
  }, async (request, reply) => {
    requireAction(request, "define");
    await createObject(objects, actorOf(request), "node", request.body.name, request.body.attributes ?? {});
    return reply.code(201).send(viewOf(request.body.name));
  });

  app.get("/nodes/:name", {
    schema: { summary: "One node: attributes and status (404 also when outside the caller's scope)", tags, params: nameParams, response: { 200: nodeSchema, ...errors } },
  }, (request) => {
    requireVisibleNode(store, request, request.params.name);
    return Promise.resolve(viewOf(request.params.name));
  });

  app.patch("/nodes/:name", {
    schema: { summary: "Change a node's attributes (admin); an empty value clears one", tags, params: nameParams, body: attributesBody, response: { 200: nodeSchema, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await changeObject(objects, actorOf(request), "node", request.params.name, request.body.attributes);
    return viewOf(request.params.name);
  });

  app.delete("/nodes/:name", {
    schema: { summary: "Remove a node's definition (admin)", tags, params: nameParams, response: { 200: okBody, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await removeObject(objects, actorOf(request), "node", request.params.name);
    return { ok: true };
  });

  app.post("/nodes/:name/assign", {
    schema: { summary: "A discovered machine is this node (admin): the node takes its MAC (and UUID, serial where it has none), the record goes; one step", tags, params: nameParams, body: assignBody, response: { 200: nodeSchema, ...errors } },
  }, async (request) => {
    requireAction(request, "define");
    await assignDiscovered(objects, actorOf(request), request.params.name, request.body.discovered);
    return viewOf(request.params.name);
  });

  app.get("/nodes/:name/plan", {
    schema: { summary: "The dry-run plan (every disk to be wiped, partitions, transport, postscripts) from the node's last inventory, or the refusal", tags, params: nameParams, response: { 200: planBody, ...errors } },
  }, async (request) => {
    const { name } = request.params;
    requireNodeAction(store, request, "plan", name);
    try {
      const plan = await dryRunPlan({ store, repository: ctx.deps.repository, overridesDir: ctx.deps.home.overrides }, name);
      return { ok: true, plan: summarisePlan(plan) };
    } catch (error) {
      // The node is known and visible (checked above): any refusal now (no osimage, no inventory, a disk too small) is
      // the answer, what the node's install would be told.
      if (isSyscloneError(error)) return { ok: false, code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
      throw error;
    }
  });

  app.get("/nodes/:name/log", {
    schema: { summary: "The latest install log (text/plain); follow it with ?offset= and the x-sysclone-log-next header", tags, params: nameParams, querystring: logQuery },
  }, async (request, reply) => {
    const { name } = request.params;
    requireVisibleNode(store, request, name);
    const install = store.installs.latest(name);
    if (!install) throw new SyscloneError("UNKNOWN_OBJECT", `node ${name} has no install log yet`, { hint: "a log appears once the node's clone starts" });
    const text = await readLogFrom(installLogFile(ctx.deps.home, install), request.query.offset ?? 0);
    return reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").header("x-sysclone-log-next", String(text.size)).header("x-sysclone-install", String(install.id)).send(text.chunk);
  });

  app.get("/nodes/:name/timeline", {
    schema: { summary: "Who touched the node and what happened to it: audit records and events, oldest first", tags, params: nameParams, response: { 200: timelineBody, ...errors } },
  }, (request) => {
    requireVisibleNode(store, request, request.params.name);
    return Promise.resolve({ entries: nodeTimeline(store, request.params.name) });
  });

  app.post("/nodes/:name/cancel", {
    schema: { summary: "End the install under way (operator in scope, admin): the node is marked failed and boots its disk next", tags, params: nameParams, response: { 200: { type: "object", properties: { node: { type: "string" }, revokedInstall: { type: "integer" } }, required: ["node", "revokedInstall"], additionalProperties: false }, ...errors } },
  }, async (request) => {
    requireNodeAction(store, request, "cancel", request.params.name);
    const result = cancelInstall(store, actorOf(request), request.params.name);
    await ctx.deps.onInstallsChanged();
    return result;
  });
};

/** Up to MAX_LOG_ANSWER bytes of a log from `offset`, and the file's size; an absent log is empty. */
async function readLogFrom(file: string, offset: number): Promise<{ chunk: string; size: number }> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return { chunk: "", size: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    const start = Math.min(offset, size);
    const length = Math.min(size - start, MAX_LOG_ANSWER);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    return { chunk: buffer.toString("utf8"), size: start + length };
  } finally {
    await handle.close();
  }
}
