import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyRequest } from "fastify";
import { isExpired } from "../../src/auth/expiry.js";
import { eventFilter, visibleEvents } from "../../src/auth/event-scope.js";
import { eventKinds } from "../../src/store/event-kinds.js";
import type { EventRecord } from "../../src/store/store.js";
import { principalOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { errors } from "./schemas.js";

export const eventSchema = {
  type: "object",
  properties: {
    id: { type: "integer" },
    at: { type: "string" },
    kind: { type: "string" },
    node: { type: "string" },
    osimage: { type: "string" },
    message: { type: "string" },
    data: { type: "object", additionalProperties: true },
  },
  required: ["id", "at", "kind", "node", "osimage", "message", "data"],
  additionalProperties: false,
} as const;

const eventsQuery = {
  type: "object",
  properties: {
    after: { type: "integer", minimum: 0, description: "only events after this id, oldest first; without it the newest" },
    node: { type: "string", maxLength: 128 },
    kind: { type: "string", enum: [...eventKinds] },
    limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
  },
  additionalProperties: false,
} as const;

const streamQuery = {
  type: "object",
  properties: { after: { type: "integer", minimum: 0, description: "start after this id (the Last-Event-ID header wins); without either, only new events" } },
  additionalProperties: false,
} as const;

/** Events read from the store in one poll: a stream catching up sends them in batches. */
const BATCH = 500;

/** One event in the text/event-stream format: id, kind, and the event as JSON on one line. */
export function sseFrame(event: EventRecord): string {
  return `id: ${event.id}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The id a reconnecting EventSource sends back, when it is one. */
function lastEventId(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  return text !== undefined && /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** Whether the credential a stream was opened with still holds (checked at each heartbeat). */
function stillValid(ctx: ApiContext, request: FastifyRequest): boolean {
  const { store } = ctx.deps;
  const credential = request.credential;
  const user = store.users.get(principalOf(request).name);
  if (!user || !credential) return false;
  if (credential.kind === "session") return ctx.sessions.find(credential.id) !== undefined;
  const token = store.users.token(credential.id);
  return token !== undefined && token.revokedAt === "" && !isExpired(token.expiresAt, new Date());
}

/** GET /events (a page of the log) and GET /events/stream (Server-Sent Events), both limited to the caller's scope. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const eventRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;

  app.get("/events", {
    schema: { summary: "Events the caller may see, oldest first: after an id, or the newest", tags: ["events"], querystring: eventsQuery, response: { 200: { type: "object", properties: { events: { type: "array", items: eventSchema } }, required: ["events"], additionalProperties: false }, ...errors } },
  }, (request) => {
    requireAction(request, "read");
    const { after, node, kind, limit } = request.query;
    return Promise.resolve({ events: visibleEvents(store, principalOf(request), { after, node, kind, limit }) });
  });

  app.get("/events/stream", {
    schema: {
      summary: "Server-Sent Events: id = event id, event = kind, data = the event; resumable with Last-Event-ID; a comment every 15 s",
      tags: ["events"],
      querystring: streamQuery,
      response: { 200: { type: "string", description: "text/event-stream" }, ...errors },
    },
  }, (request, reply) => {
    requireAction(request, "read");
    const allowed = eventFilter(store, principalOf(request));
    let last = lastEventId(request.headers["last-event-id"]) ?? request.query.after ?? store.events({ limit: 1 })[0]?.id ?? 0;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    raw.write("retry: 2000\n\n");
    let ended = false;
    const poll = (): void => {
      // A slow reader is not buffered for without bound: the next poll after it drains resumes from the last id sent.
      if (ended || raw.writableNeedDrain) return;
      for (;;) {
        const batch = store.events({ after: last, limit: BATCH });
        for (const event of batch) {
          last = event.id;
          if (allowed(event)) raw.write(sseFrame(event));
        }
        if (batch.length < BATCH || raw.writableNeedDrain) return;
      }
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(polling);
      clearInterval(beating);
      ctx.streams.delete(end);
      raw.end();
    };
    const polling = setInterval(() => {
      try {
        poll();
      } catch (error) {
        request.log.error(error);
        end();
      }
    }, ctx.streamPollMs);
    const beating = setInterval(() => {
      if (!stillValid(ctx, request)) end();
      else raw.write(": heartbeat\n\n");
    }, ctx.heartbeatMs);
    ctx.streams.add(end);
    // The response closes when the client goes away (or the stream is ended): either way, stop.
    raw.on("close", end);
    raw.on("error", end);
    poll();
  });
};
