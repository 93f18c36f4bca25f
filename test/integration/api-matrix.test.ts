import { afterEach, describe, expect, it } from "vitest";
import type { InjectOptions } from "fastify";
import { apiFixture, bearer, roleNames, storeSnapshot, type ApiFixture, type RoleName } from "../helpers/api.js";

/**
 * The role × action matrix of /api/v1, through inject: every route, every role (an admin, an
 * operator whose groups hold n01, one whose groups do not, an unscoped viewer). Each row runs on a
 * fresh store; a refusal must change nothing, a change must be audited as the user, via api, from
 * the client's address.
 */

type Method = "GET" | "POST" | "PATCH" | "DELETE";
interface Row {
  readonly method: Method;
  readonly url: string | ((fixture: ApiFixture) => string);
  readonly body?: unknown;
  /** Expected status per role. */
  readonly expect: Record<RoleName, number>;
}

const all = (status: number): Record<RoleName, number> => ({ admin: status, opIn: status, opOut: status, viewer: status });
/** admin only: the others are forbidden by role, whatever the node. */
const adminOnly = (status: number): Record<RoleName, number> => ({ admin: status, opIn: 403, opOut: 403, viewer: 403 });
/** a read of n01: the operator of rack2 does not see it (404, as if it did not exist). */
const readN01 = { admin: 200, opIn: 200, opOut: 404, viewer: 200 };
/** an operator action on n01: allowed in scope, unknown out of it, forbidden to the viewer. */
const operateN01 = { admin: 200, opIn: 200, opOut: 404, viewer: 403 };

const rows: Row[] = [
  { method: "GET", url: "/api/v1/whoami", expect: all(200) },
  { method: "GET", url: "/api/v1/nodes", expect: all(200) },
  { method: "GET", url: "/api/v1/nodes?noderange=rack1&state=ready&q=n0", expect: { admin: 200, opIn: 200, opOut: 404, viewer: 200 } },
  { method: "POST", url: "/api/v1/nodes", body: { name: "new01", attributes: { groups: "rack1", ip: "10.0.0.50" } }, expect: adminOnly(201) },
  { method: "GET", url: "/api/v1/nodes/n01", expect: readN01 },
  { method: "PATCH", url: "/api/v1/nodes/n01", body: { attributes: { ip: "10.0.0.9" } }, expect: adminOnly(200) },
  { method: "DELETE", url: "/api/v1/nodes/n02", expect: adminOnly(200) },
  { method: "POST", url: "/api/v1/nodes/n02/assign", body: { discovered: "discovered-525400000099" }, expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/nodes/n01/plan", expect: operateN01 },
  { method: "GET", url: "/api/v1/nodes/n01/log", expect: readN01 },
  { method: "GET", url: "/api/v1/nodes/n01/timeline", expect: readN01 },
  { method: "POST", url: "/api/v1/nodes/n01/cancel", expect: operateN01 },
  { method: "POST", url: "/api/v1/nodeset", body: { noderange: "n01", destiny: "boot" }, expect: operateN01 },
  { method: "POST", url: "/api/v1/nodeset", body: { noderange: "n01,n02", destiny: "osimage=img" }, expect: operateN01 },
  { method: "POST", url: "/api/v1/nodeset", body: { noderange: "n02", destiny: "wipe,osimage=img@1" }, expect: operateN01 },
  { method: "POST", url: "/api/v1/nodeset", body: { noderange: "n03", destiny: "shell" }, expect: { admin: 200, opIn: 404, opOut: 200, viewer: 403 } },
  { method: "GET", url: "/api/v1/groups", expect: all(200) },
  { method: "GET", url: "/api/v1/groups/rack1", expect: readN01 },
  { method: "POST", url: "/api/v1/groups", body: { name: "rack9", attributes: { members: "n03,n04" } }, expect: adminOnly(201) },
  { method: "PATCH", url: "/api/v1/groups/rack1", body: { attributes: { priority: "10" } }, expect: adminOnly(200) },
  { method: "DELETE", url: "/api/v1/groups/rack2", expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/osimages", expect: all(200) },
  { method: "GET", url: "/api/v1/osimages/img", expect: all(200) },
  { method: "POST", url: "/api/v1/osimages", body: { name: "img2", attributes: { description: "next" } }, expect: adminOnly(201) },
  { method: "PATCH", url: "/api/v1/osimages/img", body: { attributes: { retain: "5" } }, expect: adminOnly(200) },
  { method: "DELETE", url: "/api/v1/osimages/img", expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/osimages/img/versions", expect: all(200) },
  { method: "GET", url: "/api/v1/osimages/img/diff?from=1&to=2", expect: all(200) },
  { method: "POST", url: "/api/v1/osimages/img/current", body: { version: 1 }, expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/events", expect: all(200) },
  { method: "GET", url: "/api/v1/events?after=0&node=n01&kind=progress&limit=5", expect: all(200) },
  { method: "GET", url: "/api/v1/audit", expect: all(200) },
  { method: "GET", url: "/api/v1/audit?node=n01&limit=10", expect: all(200) },
  { method: "GET", url: "/api/v1/users", expect: adminOnly(200) },
  { method: "POST", url: "/api/v1/users", body: { name: "newop", role: "operator", groups: ["rack1"], expires: "30d" }, expect: adminOnly(201) },
  { method: "DELETE", url: "/api/v1/users/spare", expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/tokens", expect: adminOnly(200) },
  { method: "POST", url: "/api/v1/tokens", body: { user: "spare", expires: "12h" }, expect: adminOnly(201) },
  { method: "DELETE", url: (fixture) => `/api/v1/tokens/${fixture.spareTokenId}`, expect: adminOnly(200) },
  { method: "POST", url: "/api/v1/session", body: { user: "alice", password: "not-the-password" }, expect: all(401) },
  { method: "GET", url: "/api/v1/session", expect: all(401) },
  { method: "DELETE", url: "/api/v1/session", expect: all(200) },
  // The remote CLI's routes (server/api/definitions.ts): lsdef's view, chdef, chdef -n.
  { method: "GET", url: "/api/v1/definitions?type=node", expect: all(200) },
  { method: "GET", url: "/api/v1/definitions?type=group", expect: all(200) },
  { method: "POST", url: "/api/v1/definitions", body: { definitions: [{ type: "node", names: ["n01"], attributes: { ip: "10.0.0.9" } }], mode: "set" }, expect: adminOnly(200) },
  { method: "POST", url: "/api/v1/definitions/rename", body: { from: "n02", to: "n09" }, expect: adminOnly(200) },
  { method: "GET", url: "/api/v1/openapi.json", expect: all(200) },
  { method: "GET", url: "/api/v1/docs", expect: all(200) },
];

const users: Record<RoleName, string> = { admin: "alice", opIn: "olga", opOut: "otto", viewer: "vera" };

let fixture: ApiFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

function request(f: ApiFixture, row: Row, headers: Record<string, string>): InjectOptions {
  const url = typeof row.url === "function" ? row.url(f) : row.url;
  return { method: row.method, url, headers, remoteAddress: "192.0.2.7", ...(row.body !== undefined ? { payload: row.body as Record<string, unknown> } : {}) };
}

describe("every route × every role", () => {
  const cases = rows.flatMap((row) => roleNames.map((role) => [`${row.method} ${typeof row.url === "string" ? row.url : "/api/v1/tokens/:id"}`, role, row] as const));
  it.each(cases)("%s as %s", async (_name, role, row) => {
    fixture = await apiFixture();
    const f = fixture;
    const before = storeSnapshot(f.store);
    const auditBefore = f.store.audit.list().length;
    const response = await f.app.inject(request(f, row, bearer(f.tokens[role])));
    expect(response.statusCode, response.body).toBe(row.expect[role]);
    if (response.statusCode >= 400) {
      const refusal = response.json<{ code: string; message: string }>();
      expect(refusal.code).toBe(response.statusCode === 403 ? "FORBIDDEN" : response.statusCode === 404 ? "UNKNOWN_OBJECT" : refusal.code);
      expect(refusal.message).not.toMatch(/\n/);
      expect(storeSnapshot(f.store)).toBe(before);
    } else if (row.method !== "GET" && !row.url.toString().endsWith("/session")) {
      // Every change through the API is audited as the user, via api, from the client's address.
      const added = f.store.audit.list().slice(auditBefore);
      expect(added.length).toBeGreaterThan(0);
      for (const record of added) expect(record).toMatchObject({ actor: users[role], via: "api", from: "192.0.2.7" });
    }
  });
});

describe("credentials", () => {
  const protectedRoutes = rows.filter((row) => !String(row.url).match(/openapi\.json|\/docs$/));

  it.each(protectedRoutes.map((row) => [`${row.method} ${String(row.url)}`, row] as const))("%s without credentials is 401 and changes nothing", async (_name, row) => {
    fixture = await apiFixture();
    const before = storeSnapshot(fixture.store);
    const response = await fixture.app.inject(request(fixture, row, {}));
    expect(response.statusCode).toBe(401);
    expect(response.json<{ code: string }>().code).toBe("UNAUTHENTICATED");
    expect(storeSnapshot(fixture.store)).toBe(before);
  });

  it("the event stream refuses a caller without credentials before it starts", async () => {
    fixture = await apiFixture();
    const response = await fixture.app.inject({ method: "GET", url: "/api/v1/events/stream" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
  });

  it.each([
    ["an expired token", (f: ApiFixture) => bearer(f.expiredToken), /expired/],
    ["a revoked token", (f: ApiFixture) => bearer(f.revokedToken), /revoked/],
    ["a made-up token", () => bearer(`sct_3_${"A".repeat(43)}`), /not valid/],
    ["a token of the wrong shape", () => bearer("hello"), /not valid/],
    ["Basic instead of Bearer", () => ({ authorization: "Basic YWxpY2U6eA==" }), /not Bearer/],
    ["an unknown session cookie", () => ({ cookie: "sysclone_session=nope" }), /session has ended/],
  ])("%s is 401 UNAUTHENTICATED", async (_name, headers, message) => {
    fixture = await apiFixture();
    const f = fixture;
    for (const [method, url, payload] of [["GET", "/api/v1/whoami", undefined], ["POST", "/api/v1/nodeset", { noderange: "n01", destiny: "boot" }]] as const) {
      const response = await f.app.inject({ method, url, headers: headers(f), ...(payload ? { payload } : {}) });
      expect(response.statusCode, response.body).toBe(401);
      expect(response.json<{ code: string; message: string }>()).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(message) as unknown });
    }
    expect(f.store.requireObject("node", "n01")["destiny"]).toBe("install");
  });

  it("a removed user's token stops working at once", async () => {
    fixture = await apiFixture();
    const f = fixture;
    expect((await f.app.inject({ method: "GET", url: "/api/v1/whoami", headers: bearer(f.tokens.viewer) })).statusCode).toBe(200);
    expect((await f.app.inject({ method: "DELETE", url: "/api/v1/users/vera", headers: bearer(f.tokens.admin) })).statusCode).toBe(200);
    expect((await f.app.inject({ method: "GET", url: "/api/v1/whoami", headers: bearer(f.tokens.viewer) })).statusCode).toBe(401);
  });
});

/** Logs in and returns the cookie header and the CSRF token. */
async function login(f: ApiFixture, user: string, password: string, remoteAddress = "192.0.2.7"): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const response = await f.app.inject({ method: "POST", url: "/api/v1/session", payload: { user, password }, remoteAddress });
  expect(response.statusCode, response.body).toBe(200);
  const setCookie = String(response.headers["set-cookie"]);
  const cookie = setCookie.split(";")[0] ?? "";
  return { cookie, csrf: response.json<{ csrf: string }>().csrf, setCookie };
}

describe("browser sessions", () => {
  it("log in, the cookie's attributes, GET /session again, CSRF on changes, log out", async () => {
    fixture = await apiFixture({ passwords: true });
    const f = fixture;
    const { cookie, csrf, setCookie } = await login(f, "olga", "olga-secret-pw");
    expect(setCookie).toMatch(/^sysclone_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=43\d{3}$/);
    expect(setCookie).not.toMatch(/Secure/);
    const again = await f.app.inject({ method: "GET", url: "/api/v1/session", headers: { cookie } });
    expect(again.json()).toEqual({ user: "olga", role: "operator", groups: ["rack1"], csrf });
    expect((await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01", headers: { cookie } })).statusCode).toBe(200);

    const before = storeSnapshot(f.store);
    const nodeset = { method: "POST" as const, url: "/api/v1/nodeset", payload: { noderange: "n01", destiny: "boot" } };
    for (const headers of [{ cookie }, { cookie, "x-csrf-token": "wrong" }, { cookie, "x-csrf-token": `${csrf}x` }]) {
      const refused = await f.app.inject({ ...nodeset, headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json<{ code: string }>().code).toBe("CSRF");
    }
    expect(storeSnapshot(f.store)).toBe(before);
    const done = await f.app.inject({ ...nodeset, headers: { cookie, "x-csrf-token": csrf } });
    expect(done.statusCode, done.body).toBe(200);
    expect(f.store.audit.list().at(-1)).toMatchObject({ actor: "olga", via: "api", action: "nodeset", name: "n01" });

    expect((await f.app.inject({ method: "DELETE", url: "/api/v1/session", headers: { cookie } })).statusCode).toBe(403);
    const out = await f.app.inject({ method: "DELETE", url: "/api/v1/session", headers: { cookie, "x-csrf-token": csrf } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers["set-cookie"])).toMatch(/^sysclone_session=; .*Max-Age=0/);
    expect((await f.app.inject({ method: "GET", url: "/api/v1/session", headers: { cookie } })).statusCode).toBe(401);
  });

  it("wrong passwords and unknown users are refused alike; a token is not a session", async () => {
    fixture = await apiFixture({ passwords: true });
    const f = fixture;
    for (const payload of [{ user: "olga", password: "wrong-password" }, { user: "nobody", password: "olga-secret-pw" }, { user: "spare", password: "" }]) {
      const response = await f.app.inject({ method: "POST", url: "/api/v1/session", payload });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: "UNAUTHENTICATED", message: "wrong user name or password" });
      expect(response.headers["set-cookie"]).toBeUndefined();
    }
    expect((await f.app.inject({ method: "GET", url: "/api/v1/session", headers: bearer(f.tokens.admin) })).statusCode).toBe(401);
  });

  it("login attempts are limited per address and per user (429 with Retry-After)", async () => {
    fixture = await apiFixture({ passwords: true });
    const f = fixture;
    const attempt = (user: string, remoteAddress: string) => f.app.inject({ method: "POST", url: "/api/v1/session", payload: { user, password: "guess-guess" }, remoteAddress });
    // Per user: five attempts at vera, from addresses that change each time, then refusals.
    for (let i = 0; i < 5; i++) expect((await attempt("vera", `198.51.100.${i}`)).statusCode).toBe(401);
    const limited = await attempt("vera", "198.51.100.99");
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: "RATE_LIMITED" });
    // The right password does not get through a limit either.
    expect((await f.app.inject({ method: "POST", url: "/api/v1/session", payload: { user: "vera", password: "vera-secret-pw" }, remoteAddress: "198.51.100.98" })).statusCode).toBe(429);
    // Per address: ten attempts from one address at different names, then refusals for any name.
    for (let i = 0; i < 10; i++) expect((await attempt(`user${i}`, "203.0.113.5")).statusCode).toBe(401);
    expect((await attempt("olga", "203.0.113.5")).statusCode).toBe(429);
    // Another address and user are unaffected.
    await login(f, "olga", "olga-secret-pw", "203.0.113.6");
  });

  it("a session ends with its user", async () => {
    fixture = await apiFixture({ passwords: true });
    const f = fixture;
    const { cookie } = await login(f, "vera", "vera-secret-pw");
    expect((await f.app.inject({ method: "DELETE", url: "/api/v1/users/vera", headers: bearer(f.tokens.admin) })).statusCode).toBe(200);
    expect((await f.app.inject({ method: "GET", url: "/api/v1/whoami", headers: { cookie } })).statusCode).toBe(401);
  });
});

describe("policy through POST /nodeset", () => {
  const nodeset = (f: ApiFixture, role: RoleName, body: Record<string, unknown>) => f.app.inject({ method: "POST", url: "/api/v1/nodeset", headers: bearer(f.tokens[role]), payload: body });

  it.each([
    ["opIn", { noderange: "db01", destiny: "osimage=img" }, 409, "PROTECTED"],
    ["opIn", { noderange: "db01", destiny: "osimage=img", force: true }, 409, "PROTECTED"],
    ["admin", { noderange: "db01", destiny: "osimage=img" }, 409, "PROTECTED"],
    ["admin", { noderange: "n01,db01", destiny: "boot" }, 200, undefined],
    ["admin", { noderange: "n01,db01", destiny: "osimage=img", force: true }, 200, undefined],
    ["admin", { noderange: "big", destiny: "osimage=img" }, 409, "NEEDS_CONFIRMATION"],
    ["admin", { noderange: "big", destiny: "osimage=img", confirm: 59 }, 409, "NEEDS_CONFIRMATION"],
    ["admin", { noderange: "big", destiny: "osimage=img", confirm: 60 }, 200, undefined],
    ["opIn", { noderange: "big", destiny: "boot", confirm: 60 }, 200, undefined],
    ["admin", { noderange: "n01", destiny: "boot", confirm: 2 }, 409, "NEEDS_CONFIRMATION"],
    ["admin", { noderange: "", destiny: "boot" }, 400, "EMPTY_NODERANGE"],
    ["opOut", { noderange: "rack1", destiny: "boot" }, 404, "UNKNOWN_OBJECT"],
    ["opIn", { noderange: "n01,n03", destiny: "boot" }, 404, "UNKNOWN_OBJECT"],
    ["opIn", { noderange: "n01,nosuch", destiny: "boot" }, 404, "UNKNOWN_OBJECT"],
    ["admin", { noderange: "n01", destiny: "osimage=img@7" }, 409, "NO_IMAGE_VERSION"],
    ["admin", { noderange: "n01", destiny: "osimage=img@x" }, 400, "USAGE"],
    ["admin", { noderange: "n01", destiny: "reboot" }, 400, "USAGE"],
    ["admin", { noderange: "n01\nn02", destiny: "boot" }, 400, "BAD_NODERANGE"],
    ["viewer", { noderange: "n01", destiny: "boot" }, 403, "FORBIDDEN"],
  ] as const)("%s %j → %i %s", async (role, body, status, code) => {
    fixture = await apiFixture();
    const f = fixture;
    const before = storeSnapshot(f.store);
    const response = await nodeset(f, role, body);
    expect(response.statusCode, response.body).toBe(status);
    if (code !== undefined) {
      expect(response.json<{ code: string }>().code).toBe(code);
      expect(storeSnapshot(f.store)).toBe(before);
    } else {
      const results = response.json<{ results: { node: string; ok: boolean }[] }>().results;
      expect(results.length).toBeGreaterThan(0);
      expect(results.every((result) => result.ok)).toBe(true);
    }
  });

  it("a protected refusal names the nodes and the reason; an out-of-scope refusal names only what was typed", async () => {
    fixture = await apiFixture();
    const protectedAnswer = (await nodeset(fixture, "opIn", { noderange: "rack1", destiny: "osimage=img", confirm: 63 })).json<{ message: string; nodes: string[] }>();
    expect(protectedAnswer.nodes).toEqual(["db01"]);
    expect(protectedAnswer.message).toMatch(/production database/);
    const hidden = (await nodeset(fixture, "opOut", { noderange: "n01", destiny: "boot" })).json<{ message: string; nodes: string[] }>();
    expect(hidden).toMatchObject({ nodes: ["n01"], message: "no node named n01" });
  });

  it("osimage=NAME@N pins the version the plan and the install use; osimage=NAME follows current again", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const pinned = await nodeset(f, "opIn", { noderange: "n01", destiny: "osimage=img@1" });
    expect(pinned.json()).toEqual({ results: [{ node: "n01", ok: true, destiny: "install", osimage: "img", version: 1, revokedInstall: 1 }] });
    const node = (await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01", headers: bearer(f.tokens.opIn) })).json<{ attributes: Record<string, string>; status: { pinnedVersion: number } }>();
    expect(node.attributes["osimagepin"]).toBe("img@1");
    expect(node.status.pinnedVersion).toBe(1);
    const plan = (await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01/plan", headers: bearer(f.tokens.opIn) })).json<{ ok: boolean; plan: { version: number } }>();
    expect(plan).toMatchObject({ ok: true, plan: { version: 1 } });
    await nodeset(f, "opIn", { noderange: "n01", destiny: "osimage=img" });
    expect(f.store.requireObject("node", "n01")["osimagepin"]).toBe("");
    const current = (await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01/plan", headers: bearer(f.tokens.opIn) })).json<{ plan: { version: number } }>();
    expect(current.plan.version).toBe(2);
  });
});

describe("what each role sees", () => {
  const get = async <T>(f: ApiFixture, role: RoleName, url: string): Promise<T> => {
    const response = await f.app.inject({ method: "GET", url, headers: bearer(f.tokens[role]) });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<T>();
  };

  it("lists are filtered by scope: nodes, groups, events, audit", async () => {
    fixture = await apiFixture();
    const f = fixture;
    await f.app.inject({ method: "POST", url: "/api/v1/nodeset", headers: bearer(f.tokens.admin), payload: { noderange: "n01,n03", destiny: "boot" } });
    const names = async (role: RoleName) => (await get<{ nodes: { name: string }[] }>(f, role, "/api/v1/nodes")).nodes.map((node) => node.name);
    expect(await names("admin")).toHaveLength(66);
    expect(await names("viewer")).toHaveLength(66);
    expect(await names("opOut")).toEqual(["n03", "n04"]);
    expect(await names("opIn")).toHaveLength(63);
    expect((await get<{ groups: { name: string; members: string[] }[] }>(f, "opOut", "/api/v1/groups")).groups).toEqual([{ name: "rack2", attributes: expect.any(Object) as unknown, members: ["n03", "n04"], defined: true }]);
    const eventNodes = (await get<{ events: { node: string }[] }>(f, "opOut", "/api/v1/events")).events.map((event) => event.node);
    expect(eventNodes.length).toBeGreaterThan(0);
    expect(eventNodes.every((node) => node === "n03" || node === "")).toBe(true);
    const audited = (await get<{ entries: { type: string; name: string }[] }>(f, "opOut", "/api/v1/audit")).entries;
    expect(audited.map((entry) => `${entry.type} ${entry.name}`)).toEqual(["node n03"]);
    expect((await get<{ entries: unknown[] }>(f, "opOut", "/api/v1/audit?node=n01")).entries).toEqual([]);
    expect((await get<{ entries: unknown[] }>(f, "admin", "/api/v1/audit?node=n01")).entries).toHaveLength(1);
  });

  it("filters: noderange, state, group and text", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const names = async (query: string) => (await get<{ nodes: { name: string }[] }>(f, "opIn", `/api/v1/nodes?${query}`)).nodes.map((node) => node.name);
    expect(await names("noderange=n0[1-2]")).toEqual(["n01", "n02"]);
    expect(await names("state=ready")).toEqual(["n01"]);
    expect(await names("group=big&q=b06")).toEqual(["b060"]);
    // Names out of scope are unknown, as names that do not exist are; only they are named.
    const refused = await f.app.inject({ method: "GET", url: "/api/v1/nodes?noderange=n0[1-4]", headers: bearer(f.tokens.opIn) });
    expect(refused.statusCode).toBe(404);
    expect(refused.json()).toMatchObject({ code: "UNKNOWN_OBJECT", message: "Invalid nodes and/or groups in noderange: n03,n04" });
  });

  it("a node's status, plan, log and timeline", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const node = await get<{ status: Record<string, unknown> }>(f, "viewer", "/api/v1/nodes/n01");
    expect(node.status).toEqual({ state: "ready", phase: "", percent: null, bytes: null, lastError: "", destiny: "install", osimage: "img", imageVersion: null, pinnedVersion: null, bootedAt: "" });
    const plan = await get<{ ok: boolean; plan: { disks: { dev: string; wiped: boolean; partitions: { mountpoint: string }[] }[]; transport: string; osimage: string; version: number } }>(f, "opIn", "/api/v1/nodes/n01/plan");
    expect(plan).toMatchObject({ ok: true, plan: { osimage: "img", version: 2, transport: "rsync", disks: [{ dev: "/dev/vda", wiped: true, partitions: [{ mountpoint: "/" }] }] } });
    const refusal = await get<{ ok: boolean; code: string }>(f, "opIn", "/api/v1/nodes/n02/plan");
    expect(refusal).toMatchObject({ ok: false, code: "NO_INVENTORY" });
    const log = await f.app.inject({ method: "GET", url: "/api/v1/nodes/n01/log", headers: bearer(f.tokens.viewer) });
    expect(log.body).toBe("partition: ok\npull: 42%\n");
    expect(log.headers["content-type"]).toMatch(/^text\/plain/);
    const tail = await f.app.inject({ method: "GET", url: `/api/v1/nodes/n01/log?offset=${String(log.headers["x-sysclone-log-next"])}`, headers: bearer(f.tokens.viewer) });
    expect(tail.body).toBe("");
    await f.app.inject({ method: "PATCH", url: "/api/v1/nodes/n01", headers: bearer(f.tokens.admin), payload: { attributes: { ip: "10.0.0.9" } } });
    const timeline = await get<{ entries: { source: string; kind: string; actor?: string; message: string }[] }>(f, "viewer", "/api/v1/nodes/n01/timeline");
    expect(timeline.entries.map((entry) => `${entry.source} ${entry.kind}`)).toEqual(["event token", "event progress", "audit chdef"]);
    expect(timeline.entries.at(-1)).toMatchObject({ actor: "alice", message: expect.stringContaining('ip: "" → "10.0.0.9"') as unknown });
    // A node the caller sees but that cannot be planned (no osimage) is a refusal in the answer, not a 404.
    await f.app.inject({ method: "PATCH", url: "/api/v1/nodes/n01", headers: bearer(f.tokens.admin), payload: { attributes: { osimage: "" } } });
    expect(await get(f, "opIn", "/api/v1/nodes/n01/plan")).toMatchObject({ ok: false, code: "UNKNOWN_OBJECT", message: "node n01 has no osimage" });
  });

  it("a discovered machine is assigned to a node in one step", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const assign = (node: string, discovered: string) => f.app.inject({ method: "POST", url: `/api/v1/nodes/${node}/assign`, headers: bearer(f.tokens.admin), payload: { discovered } });
    const done = await assign("n02", "discovered-525400000099");
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json<{ attributes: Record<string, string> }>().attributes).toMatchObject({ mac: "52:54:00:00:00:99", uuid: "4c4c4544-0000-1000-8000-000000000099", groups: "rack1" });
    expect(f.store.getObject("node", "discovered-525400000099")).toBeUndefined();
    expect(f.store.audit.list().slice(-2).map((record) => `${record.action} ${record.name} ${record.after === null ? "removed" : "changed"}`)).toEqual(["assign discovered-525400000099 removed", "assign n02 changed"]);
    expect(f.store.events({ limit: 1 })[0]).toMatchObject({ kind: "discovered-assigned", node: "n02" });
    const before = storeSnapshot(f.store);
    for (const [node, discovered, code] of [["n03", "discovered-525400000099", "UNKNOWN_OBJECT"], ["n03", "n04", "UNKNOWN_OBJECT"], ["nosuch", "n04", "UNKNOWN_OBJECT"]] as const) {
      const refused = await assign(node, discovered);
      expect(refused.json<{ code: string }>().code).toBe(code);
    }
    expect(storeSnapshot(f.store)).toBe(before);
  });

  it("images: versions, diff, rollback", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const versions = async () => (await get<{ versions: { version: number; current: boolean }[] }>(f, "viewer", "/api/v1/osimages/img/versions")).versions;
    expect((await versions()).map((v) => [v.version, v.current])).toEqual([[1, false], [2, true]]);
    expect(await get(f, "viewer", "/api/v1/osimages/img/diff?from=1&to=2")).toEqual({ added: ["/etc/issue"], changed: ["/etc/motd"], removed: ["/etc/old"], totals: { added: 1, changed: 1, removed: 1 }, truncated: false });
    const missing = await f.app.inject({ method: "GET", url: "/api/v1/osimages/img/diff?from=1&to=9", headers: bearer(f.tokens.viewer) });
    expect(missing.statusCode).toBe(404);
    const rollback = await f.app.inject({ method: "POST", url: "/api/v1/osimages/img/current", headers: bearer(f.tokens.admin), payload: { version: 1 } });
    expect(rollback.json()).toEqual({ previous: 2, current: 1 });
    expect((await versions()).map((v) => [v.version, v.current])).toEqual([[1, true], [2, false]]);
    expect(f.store.audit.list().at(-1)).toMatchObject({ action: "rollback", type: "osimage", name: "img", before: { currentversion: "2" }, after: { currentversion: "1" } });
    const plan = await get<{ plan: { version: number } }>(f, "opIn", "/api/v1/nodes/n01/plan");
    expect(plan.plan.version).toBe(1);
  });
});

describe("OpenAPI", () => {
  it("documents every route of the scope with its schemas; the docs page needs nothing from elsewhere", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const document = (await f.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: { name: string; in: string }[]; requestBody?: unknown; summary: string }>> }>();
    expect(document.openapi).toBe("3.1.0");
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    // The event stream never ends, so inject cannot wait for it: test/integration/api-sse.test.ts drives it on a real port.
    const tested = new Set(["GET /api/v1/events/stream", ...rows.map((row) => `${row.method} ${(typeof row.url === "string" ? row.url : "/api/v1/tokens/{id}").split("?")[0]?.replace(/\/(n01|n02|rack1|rack2|img|spare)(?=\/|$)/, "/{name}")}`)]);
    // The matrix covers every documented route, and every documented route has a summary and answers.
    for (const route of documented) expect(tested, route).toContain(route);
    expect(documented).toHaveLength(tested.size);
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) {
        expect(operation.summary).not.toBe("");
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      }
    }
    expect(document.paths["/api/v1/nodes/{name}"]?.["get"]?.parameters).toEqual([expect.objectContaining({ name: "name", in: "path" })]);
    expect(document.paths["/api/v1/nodeset"]?.["post"]?.requestBody).toBeDefined();
    const page = await f.app.inject({ method: "GET", url: "/api/v1/docs" });
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain("/api/v1/nodeset");
    expect(page.body).not.toMatch(/<script|https?:\/\//);
  });
});
