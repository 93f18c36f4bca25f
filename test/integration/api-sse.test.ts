import { request as httpRequest, type ClientRequest } from "node:http";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../server/api/index.js";
import { ImageRepository } from "../../src/image/repository.js";
import { Store } from "../../src/store/store.js";
import { apiFixture, type ApiFixture } from "../helpers/api.js";
import { waitUntil } from "../helpers/wait.js";

/**
 * GET /api/v1/events/stream on a real server on loopback: events written by another connection to
 * the database (as a CLI command beside serve writes them) arrive in order, each as id/event/data;
 * a dropped connection resumes with Last-Event-ID and loses or repeats nothing; an operator sees
 * only its scope; a revoked token's stream ends; idle streams get heartbeats.
 */

interface Frame {
  readonly id: number;
  readonly event: string;
  readonly data: { id: number; kind: string; node: string; message: string };
}

/** An open stream: its parsed frames, its comments, and how to drop it. */
interface Stream {
  readonly frames: Frame[];
  readonly comments: string[];
  readonly status: Promise<number>;
  readonly ended: Promise<void>;
  drop(): void;
}

function open(url: string, token: string, lastEventId?: number): Stream {
  const frames: Frame[] = [];
  const comments: string[] = [];
  let resolveStatus: (status: number) => void = () => undefined;
  let resolveEnded: () => void = () => undefined;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const req: ClientRequest = httpRequest(`${url}/api/v1/events/stream`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId !== undefined ? { "last-event-id": String(lastEventId) } : {}) } }, (response) => {
    resolveStatus(response.statusCode ?? 0);
    let buffer = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(": ");
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
          }
        }
        if (fields.has("data")) frames.push({ id: Number(fields.get("id")), event: fields.get("event") ?? "", data: JSON.parse(fields.get("data") ?? "{}") as Frame["data"] });
      }
    });
    response.on("close", resolveEnded);
  });
  req.on("error", () => resolveEnded());
  req.end();
  return { frames, comments, status, ended, drop: () => req.destroy() };
}

let fixture: ApiFixture;
let url: string;
/** Another connection to the same database file, as a CLI process beside serve has. */
let other: Store;

beforeAll(async () => {
  fixture = await apiFixture({ file: true });
  await fixture.app.listen({ host: "127.0.0.1", port: 0 });
  const address = fixture.app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  url = `http://127.0.0.1:${address.port}`;
  other = Store.open(path.join(fixture.home.state, "sysclone.db"));
});

afterAll(async () => {
  other?.close();
  await fixture?.close();
});

const write = (node: string, message: string) => other.addEvent({ kind: "progress", node, osimage: "img", message });

describe("event stream on a real port", () => {
  it("delivers another connection's events in order; an operator sees only its scope; resumes after a drop with Last-Event-ID", async () => {
    const admin = open(url, fixture.tokens.admin);
    const scoped = open(url, fixture.tokens.opOut);
    expect(await admin.status).toBe(200);
    expect(await scoped.status).toBe(200);
    // A stream opened without Last-Event-ID starts with what happens next, not with history.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(admin.frames).toEqual([]);

    for (let i = 1; i <= 6; i++) write(i % 2 === 1 ? "n01" : "n03", `step ${i}`);
    other.addEvent({ kind: "captured", osimage: "img", message: "captured img v3" });
    await waitUntil("seven events", () => admin.frames.length === 7, { intervalMs: 20 });
    expect(admin.frames.map((frame) => frame.data.message)).toEqual(["step 1", "step 2", "step 3", "step 4", "step 5", "step 6", "captured img v3"]);
    const ids = admin.frames.map((frame) => frame.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const frame of admin.frames) {
      expect(frame.data.id).toBe(frame.id);
      expect(frame.event).toBe(frame.data.kind);
    }
    // otto's groups hold n03 only: n01's events never reach him; an image's event (no node) does.
    await waitUntil("the scoped stream's four events", () => scoped.frames.length === 4, { intervalMs: 20 });
    expect(scoped.frames.map((frame) => `${frame.data.node}:${frame.data.message}`)).toEqual(["n03:step 2", "n03:step 4", "n03:step 6", ":captured img v3"]);

    // Drop the admin's connection, write while it is away, resume from the last id it saw.
    const lastSeen = admin.frames[4]?.id ?? 0;
    admin.drop();
    await admin.ended;
    for (let i = 7; i <= 9; i++) write("n01", `step ${i}`);
    const resumed = open(url, fixture.tokens.admin, lastSeen);
    expect(await resumed.status).toBe(200);
    await waitUntil("the resumed stream to catch up", () => resumed.frames.length === 5, { intervalMs: 20 });
    expect(resumed.frames.map((frame) => frame.data.message)).toEqual(["step 6", "captured img v3", "step 7", "step 8", "step 9"]);
    write("n03", "step 10");
    await waitUntil("a new event on the resumed stream", () => resumed.frames.length === 6, { intervalMs: 20 });
    expect(resumed.frames.at(-1)?.data.message).toBe("step 10");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.frames).toHaveLength(6);
    resumed.drop();
    scoped.drop();
  });

  it("a changed node is reported by the server's own writes too (nodeset through the API)", async () => {
    const stream = open(url, fixture.tokens.opIn);
    expect(await stream.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await fetch(`${url}/api/v1/nodeset`, { method: "POST", headers: { authorization: `Bearer ${fixture.tokens.opIn}`, "content-type": "application/json" }, body: JSON.stringify({ noderange: "n02", destiny: "boot" }) });
    expect(response.status).toBe(200);
    await waitUntil("the nodeset event", () => stream.frames.some((frame) => frame.event === "nodeset" && frame.data.node === "n02"), { intervalMs: 20 });
    stream.drop();
  });

  it("refuses a caller without a valid token before streaming", async () => {
    const refused = open(url, fixture.revokedToken);
    expect(await refused.status).toBe(401);
    await refused.ended;
  });
});

describe("heartbeats and credentials that end", () => {
  let app: FastifyInstance;
  let streamUrl: string;

  beforeAll(async () => {
    // The API scope alone, with short intervals: a heartbeat every 150 ms.
    app = Fastify();
    await app.register(apiRoutes, {
      prefix: "/api/v1",
      deps: {
        store: fixture.store, repository: new ImageRepository(fixture.home.images), home: fixture.home, serverUrl: "http://127.0.0.1:8080", rsyncPort: 8873,
        serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
      },
      heartbeatMs: 150,
      streamPollMs: 50,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    streamUrl = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it("an idle stream gets heartbeat comments; revoking its token ends it at the next one", async () => {
    const token = (await fetch(`${streamUrl}/api/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${fixture.tokens.admin}`, "content-type": "application/json" }, body: JSON.stringify({ user: "vera" }) }).then((r) => r.json())) as { id: number; token: string };
    const stream = open(streamUrl, token.token);
    expect(await stream.status).toBe(200);
    await waitUntil("two heartbeats", () => stream.comments.filter((comment) => comment === "heartbeat").length >= 2, { intervalMs: 20 });
    const revoke = await fetch(`${streamUrl}/api/v1/tokens/${token.id}`, { method: "DELETE", headers: { authorization: `Bearer ${fixture.tokens.admin}` } });
    expect(revoke.status).toBe(200);
    await Promise.race([stream.ended, new Promise((_resolve, reject) => setTimeout(() => reject(new Error("the stream outlived its token")), 2000))]);
  });

  it("closing the server ends open streams instead of waiting on them", async () => {
    const stream = open(streamUrl, fixture.tokens.viewer);
    expect(await stream.status).toBe(200);
    const closing = app.close();
    await Promise.race([closing, new Promise((_resolve, reject) => setTimeout(() => reject(new Error("close waited on the stream")), 3000))]);
    await stream.ended;
  });
});
