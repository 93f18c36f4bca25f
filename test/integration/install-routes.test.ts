import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../server/app.js";
import { resolveHome } from "../../src/config/paths.js";
import { ImageRepository } from "../../src/image/repository.js";
import { issueInstallToken } from "../../src/install/service.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
let app: FastifyInstance;
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-routes-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  store = Store.open(":memory:");
  for (const name of ["n01", "n02"]) store.createObject("node", name, { ...defaults("node"), osimage: "img" });
  token = issueInstallToken(store, "n01");
  app = await buildServer({
    store, repository: new ImageRepository(home.images), home, serverUrl: "http://10.0.0.1:8080", rsyncPort: 8873,
    serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
  });
});

afterAll(async () => {
  await app?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

const inventory = { disks: [{ name: "vda", sizeBytes: 1 << 30 }], nics: [{ name: "eth0", mac: "52:54:00:00:00:01" }], firmware: "bios" };

describe("install routes (inject, no port)", () => {
  it.each([
    ["no token", "n01", undefined, inventory, 400],
    ["malformed token", "n01", "short", inventory, 400],
    ["unknown token", "n01", "B".repeat(43), inventory, 403],
    ["another node's token", "n02", "TOKEN", inventory, 403],
    ["bad node name", "n01;rm", "TOKEN", inventory, 400],
    ["bad MAC", "n01", "TOKEN", { ...inventory, nics: [{ name: "eth0", mac: "zz:54:00:00:00:01" }] }, 400],
    ["disk name with a slash", "n01", "TOKEN", { ...inventory, disks: [{ name: "../sda", sizeBytes: 1 }] }, 400],
    ["unknown field", "n01", "TOKEN", { ...inventory, extra: 1 }, 400],
  ])("refuses %s", async (_name, node, bearer, body, status) => {
    const response = await app.inject({
      method: "POST",
      url: `/install/${node}/inventory`,
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer === "TOKEN" ? token : bearer}` },
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json<{ code: string }>().code).toBe(status === 403 ? "TOKEN_REFUSED" : "BAD_REQUEST");
  });

  it("records progress with a valid token and refuses the token once the install is over", async () => {
    const progress = await app.inject({ method: "POST", url: "/install/n01/progress", headers: { authorization: `Bearer ${token}` }, payload: { phase: "pull", percent: 42, bytes: 1000 } });
    expect(progress.statusCode, progress.body).toBe(200);
    expect(store.requireObject("node", "n01")).toMatchObject({ phase: "pull", percent: "42", bytes: "1000", state: "installing" });
    const finish = await app.inject({ method: "POST", url: "/install/n01/finish", headers: { authorization: `Bearer ${token}` }, payload: { verifiedFiles: 3 } });
    expect(finish.statusCode).toBe(200);
    expect(store.requireObject("node", "n01")).toMatchObject({ state: "installed", destiny: "boot" });
    const again = await app.inject({ method: "POST", url: "/install/n01/progress", headers: { authorization: `Bearer ${token}` }, payload: { phase: "pull" } });
    expect(again.statusCode).toBe(403);
    expect(store.events({ node: "n01", limit: 1 })[0]).toMatchObject({ kind: "token-refused", message: "install token refused: token already used" });
  });

  it("a newer boot's token replaces the older one", async () => {
    const first = issueInstallToken(store, "n02");
    const second = issueInstallToken(store, "n02");
    const old = await app.inject({ method: "POST", url: "/install/n02/progress", headers: { authorization: `Bearer ${first}` }, payload: { phase: "pull" } });
    expect(old.statusCode).toBe(403);
    expect(old.json()).toMatchObject({ message: expect.stringContaining("replaced by a newer boot") as unknown });
    const current = await app.inject({ method: "POST", url: "/install/n02/progress", headers: { authorization: `Bearer ${second}` }, payload: { phase: "pull" } });
    expect(current.statusCode).toBe(200);
  });
});
