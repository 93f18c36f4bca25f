import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../server/app.js";
import { VerifyListCache } from "../../server/limits.js";
import { resolveHome, type SyscloneHome } from "../../src/config/paths.js";
import { ImageRepository } from "../../src/image/repository.js";
import { installLogFile } from "../../src/install/service.js";
import { issueInstallToken } from "../../src/install/tokens.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

/** Finding 8: what one node (or one holder of a token) can make the server spend, bounded. Over a real port. */
let dir: string;
let home: SyscloneHome;
let store: Store;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-limits-"));
  home = resolveHome({ SYSCLONE_HOME: dir });
  const root = path.join(home.images, "big", "v1", "root");
  await mkdir(root, { recursive: true });
  // Incompressible, larger than the socket buffers: a client that does not read keeps its stream open.
  await writeFile(path.join(root, "noise"), randomBytes(24 * 1024 * 1024));
  await writeFile(path.join(home.images, "big", "v1", "manifest.jsonl"), "");
  store = Store.open(":memory:");
  store.createObject("osimage", "big", defaults("osimage"));
  app = await buildServer(
    {
      store, repository: new ImageRepository(home.images), home, serverUrl: "http://127.0.0.1", rsyncPort: 8873,
      serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(), maxArchives: 1, maxLogBytes: 4096,
    },
    { requestTimeoutMs: 1500 },
  );
  base = await app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await app?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A node with a planned install of `big` v1 and its token. */
function plannedNode(name: string): string {
  store.createObject("node", name, { ...defaults("node"), osimage: "big" });
  const token = issueInstallToken(store, name);
  const install = store.installs.latest(name);
  store.installs.planned(install?.id ?? 0, { osimage: "big", version: 1, inventory: "{}", plan: "{}", script: "" });
  return token;
}

function get(url: string, token: string): { request: ClientRequest; response: Promise<IncomingMessage> } {
  let req!: ClientRequest;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(url, { headers: { authorization: `Bearer ${token}` } }, resolve);
    req.on("error", reject);
    req.end();
  });
  return { request: req, response };
}

describe("bounded work per caller", () => {
  it("serves a bounded number of archive streams at once; the next caller is told to retry", async () => {
    const first = get(`${base}/install/l01/archive`, plannedNode("l01"));
    const held = await first.response;
    expect(held.statusCode).toBe(200);
    held.pause();
    const second = await get(`${base}/install/l02/archive`, plannedNode("l02")).response;
    expect(second.statusCode).toBe(503);
    expect(second.headers["retry-after"]).toBe("10");
    second.resume();
    // The held stream's client goes away: its slot is free again.
    held.destroy();
    first.request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const third = await get(`${base}/install/l03/archive`, plannedNode("l03")).response;
    expect(third.statusCode).toBe(200);
    third.destroy();
  });

  it("builds a version's verify list once and serves it to every node of that version", async () => {
    const manifest = path.join(home.images, "big", "v1", "manifest.jsonl");
    const entry = (sha: string): string => `${JSON.stringify({ path: "/noise", type: "f", mode: 0o644, uid: 0, gid: 0, size: 1, sha256: sha })}\n`;
    // A whole second as the mtime: set again after the rewrite, it reads back exactly (a fraction may not survive the float).
    const mtime = 1_700_000_000;
    await writeFile(manifest, entry("a".repeat(64)));
    await utimes(manifest, mtime, mtime);
    const cache = new VerifyListCache(new ImageRepository(home.images));
    expect((await cache.get("big", 1)).text).toBe(`${"a".repeat(64)}  ./noise\n`);
    // Rewritten behind the cache's back with the same mtime: still the list built the first time (no second parse).
    await writeFile(manifest, entry("b".repeat(64)));
    await utimes(manifest, mtime, mtime);
    expect((await cache.get("big", 1)).text).toBe(`${"a".repeat(64)}  ./noise\n`);
    await writeFile(manifest, "");
  });

  it("keeps at most maxLogBytes of one install's log, and says where it was cut", async () => {
    const token = plannedNode("l04");
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ method: "POST", url: "/install/l04/log", remoteAddress: "127.0.0.1", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, payload: "y".repeat(1500) });
      expect(response.statusCode).toBe(200);
    }
    const install = store.installs.latest("l04");
    if (install === undefined) throw new Error("no install");
    const file = installLogFile(home, install);
    expect((await stat(file)).size).toBeLessThan(4096 + 100);
    expect(await readFile(file, "utf8")).toMatch(/\[sysclone: log cut at 4096 bytes\]\n$/);
  });

  it("closes a request whose body trickles in", async () => {
    const token = plannedNode("l05");
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname);
    const closed = new Promise<string>((resolve) => {
      let answer = "";
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      socket.on("close", () => resolve(answer));
    });
    socket.write(`POST /install/l05/log HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`);
    const started = Date.now();
    const trickle = setInterval(() => socket.writable && socket.write("z"), 200);
    const answer = await closed;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
