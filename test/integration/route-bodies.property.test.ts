import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../server/app.js";
import { resolveHome } from "../../src/config/paths.js";
import { ImageRepository } from "../../src/image/repository.js";
import { issueInstallToken } from "../../src/install/tokens.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

/**
 * R1 for the server's bodies: whatever a node (or anyone) sends, the answer is a success or a typed refusal — never a
 * 500, never a stack trace — and a refused request changes nothing.
 */
let dir: string;
let store: Store;
let app: FastifyInstance;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-fuzz-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  store = Store.open(":memory:");
  store.createObject("osimage", "img", defaults("osimage"));
  store.createObject("node", "f01", { ...defaults("node"), osimage: "img", destiny: "install" });
  token = issueInstallToken(store, "f01", "127.0.0.1");
  app = await buildServer({
    store, repository: new ImageRepository(home.images), home, serverUrl: "http://127.0.0.1:8080", rsyncPort: 8873,
    serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(), bootRatePerSecond: 1_000_000,
  });
});

afterAll(async () => {
  await app?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** What a refused request must not change: the node, its installs, the node list. */
function state(): string {
  return JSON.stringify({ nodes: store.listObjects("node").map((n) => ({ ...n, attributes: { ...n.attributes } })), install: store.installs.latest("f01") });
}

function expectTypedAnswer(status: number, body: string): void {
  expect(status, body).toBeLessThan(500);
  expect(body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  if (status >= 400) expect(JSON.parse(body)).toMatchObject({ code: expect.stringMatching(/^[A-Z_]+$/) as unknown, message: expect.any(String) as unknown });
}

const anyBody = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom("phase", "percent", "bytes", "message", "session", "rate", "step", "exit", "disks", "nics", "firmware", "dmi", "hostname", "addresses", "verifiedFiles", "seconds"), fc.jsonValue()),
);

describe("R1: every install route body, fuzzed", () => {
  it.each(["progress", "fail", "finish", "inventory", "multicast"])("POST /install/f01/%s: accepted or refused with a typed error; a refusal changes nothing", async (route) => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const before = state();
        const response = await app.inject({ method: "POST", url: `/install/f01/${route}`, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload: JSON.stringify(body) });
        expectTypedAnswer(response.statusCode, response.body);
        if (response.statusCode === 400) expect(state()).toBe(before);
        // A body that was accepted may end the install (fail, finish, a refused plan): start the next run afresh.
        if (store.installs.latest("f01")?.state !== "issued" && store.installs.latest("f01")?.state !== "planned") token = issueInstallToken(store, "f01", "127.0.0.1");
      }),
      { numRuns: 150 },
    );
  });

  it("POST /firstboot/f01 with any body and any credential is refused with a typed error and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, fc.string({ maxLength: 80 }), async (body, credential) => {
        const before = state();
        const response = await app.inject({ method: "POST", url: "/firstboot/f01", headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" }, payload: JSON.stringify(body) });
        expectTypedAnswer(response.statusCode, response.body);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(state()).toBe(before);
      }),
      { numRuns: 150 },
    );
  });

  it("GET /boot with any query string answers a script or a typed refusal", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("mac", "uuid", "serial", "arch", "platform", "x"), fc.string({ maxLength: 300 })), async (query) => {
        const response = await app.inject({ method: "GET", url: "/boot", query });
        expectTypedAnswer(response.statusCode, response.body);
        if (response.statusCode === 200) expect(response.body.startsWith("#!ipxe\n")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
