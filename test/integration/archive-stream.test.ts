import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { get, type IncomingMessage } from "node:http";
import { createServer, connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handoverSocket, sendArchiveOnSocket } from "../../server/archive-response.js";
import { startArchive, type ArchiveCompression } from "../../src/exec/archive.js";

/** The image archive is written by tar and zstd straight into the node's connection: real tar, zstd and sockets. */
let dir: string;
let root: string;
let app: FastifyInstance;
let base: string;
let serverSockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-archive-"));
  root = path.join(dir, "root");
  await mkdir(path.join(root, "etc"), { recursive: true });
  await writeFile(path.join(root, "etc", "hostname"), "golden\n");
  await writeFile(path.join(root, "noise"), randomBytes(3 * 1024 * 1024));
  app = Fastify();
  app.get<{ Querystring: { root?: string; compress?: ArchiveCompression } }>("/archive", (request, reply) => {
    const socket = handoverSocket(request.raw.socket);
    if (!socket) throw new Error("not a plain socket");
    serverSockets.push(socket);
    const controller = new AbortController();
    void sendArchiveOnSocket(reply, socket, {
      root: request.query.root ?? root, compress: request.query.compress ?? "none", contentType: "application/x-tar", signal: controller.signal, abort: () => controller.abort(),
    });
    return reply;
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

function fetchBody(url: string): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ response, body: Buffer.concat(chunks) }));
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("aborted")));
    }).on("error", reject);
  });
}

function listTar(archive: Buffer, compress: ArchiveCompression): string[] {
  const plain = compress === "zstd" ? spawnSync("zstd", ["-d", "-c"], { input: archive, maxBuffer: 64 * 1024 * 1024 }).stdout : archive;
  const listing = spawnSync("tar", ["-t", "-f", "-"], { input: plain, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(listing.status).toBe(0);
  return listing.stdout.split("\n").filter((line) => line !== "").sort();
}

describe("the archive straight from tar into the connection", () => {
  it.each(["none", "zstd"] as const)("answers 200 with the whole tree (%s); this process writes only the answer's head", async (compress) => {
    serverSockets = [];
    const { response, body } = await fetchBody(`${base}/archive?compress=${compress}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["connection"]).toBe("close");
    expect(listTar(body, compress)).toEqual(["./", "./etc/", "./etc/hostname", "./noise"]);
    expect(body.length).toBeGreaterThan(compress === "none" ? 3 * 1024 * 1024 : 3 * 1024 * 1024 * 0.9);
    // The bytes went from the children to the kernel: Node wrote the head and nothing else.
    expect(serverSockets).toHaveLength(1);
    expect(serverSockets[0]?.bytesWritten).toBeLessThan(200);
  });

  it("resets the connection when tar fails, so the node sees an error rather than a short archive", async () => {
    await expect(fetchBody(`${base}/archive?root=${encodeURIComponent(path.join(dir, "missing"))}`)).rejects.toThrow(/ECONNRESET|socket hang up|aborted/);
  });

  it("stops tar when the reader goes away in the middle", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    const sink = await accepted;
    const big = path.join(dir, "big");
    await mkdir(big, { recursive: true });
    await writeFile(path.join(big, "noise"), randomBytes(32 * 1024 * 1024));
    const controller = new AbortController();
    const { done } = startArchive(big, { compress: "none", signal: controller.signal, sink });
    // The reader takes a little, then leaves without reading the rest: tar gets a broken pipe and ends.
    await new Promise<void>((resolve) => client.once("data", () => resolve()));
    client.destroy();
    const result = await done;
    expect(result.ok).toBe(false);
    sink.destroy();
    server.close();
  });
});
