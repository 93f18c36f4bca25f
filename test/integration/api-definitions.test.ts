import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiFixture, bearer, roleNames, storeSnapshot, type ApiFixture, type RoleName } from "../helpers/api.js";

/**
 * The routes the remote CLI needs beyond the resource routes (server/api/definitions.ts), through
 * inject: lsdef's view of each type as each role sees it (out-of-scope nodes absent, groups with
 * their visible members), chdef and rename for admins only (refused before the body is read),
 * all or nothing, audited as the user via api; any body is a typed 4xx or a success, never a 500.
 */
type Objects = { objects: { name: string; attributes: Record<string, string> }[] };

let fixture: ApiFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const get = async (f: ApiFixture, role: RoleName, url: string) => {
  const response = await f.app.inject({ method: "GET", url, headers: bearer(f.tokens[role]) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Objects>();
};

describe("GET /definitions?type=", () => {
  it("nodes: every node for the admin and the unscoped viewer, only its groups' for an operator", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const names = async (role: RoleName) => (await get(f, role, "/api/v1/definitions?type=node")).objects.map((o) => o.name);
    const all = f.store.listNames("node");
    expect(await names("admin")).toEqual(all);
    expect(await names("viewer")).toEqual(all);
    expect(await names("opOut")).toEqual(["n03", "n04"]);
    expect(await names("opIn")).toEqual(all.filter((name) => !["n03", "n04", "discovered-525400000099"].includes(name)));
    const n03 = (await get(f, "opOut", "/api/v1/definitions?type=node")).objects.find((o) => o.name === "n03");
    expect(n03?.attributes).toEqual(f.store.requireObject("node", "n03"));
  });

  it("groups: lsdef's attributes with the members the caller sees; a group it sees none of is absent", async () => {
    fixture = await apiFixture();
    const admin = await get(fixture, "admin", "/api/v1/definitions?type=group");
    expect(admin.objects.map((o) => o.name)).toEqual(["big", "rack1", "rack2"]);
    expect(admin.objects.find((o) => o.name === "rack2")?.attributes).toMatchObject({ members: "n03,n04", priority: "50" });
    // big is named only by its nodes: it has the group defaults, as lsdef shows it.
    expect(admin.objects.find((o) => o.name === "big")?.attributes).toMatchObject({ priority: "50", members: expect.stringMatching(/^b001,b002,.*,b060$/) as unknown });
    const opOut = await get(fixture, "opOut", "/api/v1/definitions?type=group");
    expect(opOut.objects).toEqual([{ name: "rack2", attributes: expect.objectContaining({ members: "n03,n04" }) as unknown }]);
  });

  it("osimages: the derived attributes too (directory, versions, size, captured)", async () => {
    fixture = await apiFixture();
    const { objects } = await get(fixture, "viewer", "/api/v1/definitions?type=osimage");
    expect(objects).toHaveLength(1);
    expect(objects[0]?.attributes).toMatchObject({ imagedir: `${fixture.home.images}/img`, versions: "v1,v2", size: "8.0 KiB (8192 bytes, 3 entries)", captured: "2026-11-02T10:00:00.000Z from golden" });
  });

  it("an unknown type is a 400; no credentials a 401", async () => {
    fixture = await apiFixture();
    expect((await fixture.app.inject({ method: "GET", url: "/api/v1/definitions?type=printer", headers: bearer(fixture.tokens.admin) })).json()).toMatchObject({ code: "BAD_REQUEST" });
    expect((await fixture.app.inject({ method: "GET", url: "/api/v1/definitions?type=node" })).statusCode).toBe(401);
  });
});

const change = { definitions: [{ type: "node", names: ["n01", "n02"], attributes: { ip: "10.0.0.77" } }, { type: "node", names: ["new01"], attributes: { groups: "rack2" } }], mode: "set" };

describe("POST /definitions and /definitions/rename", () => {
  it.each(roleNames.filter((role) => role !== "admin"))("%s is refused (403) before the body is read, and nothing changes", async (role) => {
    fixture = await apiFixture();
    const f = fixture;
    const before = storeSnapshot(f.store);
    for (const [url, payload] of [["/api/v1/definitions", change], ["/api/v1/definitions", "not json at all"], ["/api/v1/definitions/rename", { from: "n01", to: "n09" }]] as const) {
      const response = await f.app.inject({ method: "POST", url, headers: { ...bearer(f.tokens[role]), "content-type": "application/json" }, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json<{ code: string }>().code).toBe("FORBIDDEN");
    }
    expect(storeSnapshot(f.store)).toBe(before);
  });

  it("the admin's change: created and changed, audited as alice via api from the client's address", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const response = await f.app.inject({ method: "POST", url: "/api/v1/definitions", headers: bearer(f.tokens.admin), payload: change, remoteAddress: "192.0.2.7" });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ created: ["node new01"], changed: ["node n01", "node n02"] });
    expect(f.store.requireObject("node", "n02")["ip"]).toBe("10.0.0.77");
    const records = f.store.audit.list().filter((r) => r.action === "chdef");
    expect(records.map((r) => r.name)).toEqual(["n01", "n02", "new01"]);
    for (const record of records) expect(record).toMatchObject({ actor: "alice", via: "api", from: "192.0.2.7" });
    const renamed = await f.app.inject({ method: "POST", url: "/api/v1/definitions/rename", headers: bearer(f.tokens.admin), payload: { from: "new01", to: "new02" } });
    expect(renamed.json()).toEqual({ from: "new01", to: "new02" });
    expect(f.store.audit.list().filter((r) => r.action === "rename").map((r) => [r.actor, r.name])).toEqual([["alice", "new01"], ["alice", "new02"]]);
  });

  it("all or nothing: one bad attribute, -p on a single value, an unknown rename: a refusal, nothing changed", async () => {
    fixture = await apiFixture();
    const f = fixture;
    const before = storeSnapshot(f.store);
    for (const [url, payload, code] of [
      ["/api/v1/definitions", { ...change, definitions: [...change.definitions, { type: "node", names: ["n03"], attributes: { nosuch: "1" } }] }, "BAD_ATTRIBUTE"],
      ["/api/v1/definitions", { definitions: [{ type: "node", names: ["n01"], attributes: { ip: "10.0.0.9" } }], mode: "add" }, "USAGE"],
      ["/api/v1/definitions/rename", { from: "nosuch", to: "n09" }, "UNKNOWN_OBJECT"],
      ["/api/v1/definitions/rename", { from: "n01", to: "n02" }, "ALREADY_EXISTS"],
      ["/api/v1/definitions/rename", { from: "n01", to: "bad name" }, "BAD_NAME"],
    ] as const) {
      const response = await f.app.inject({ method: "POST", url, headers: bearer(f.tokens.admin), payload });
      expect(response.json<{ code: string }>().code, `${url} ${JSON.stringify(payload)}`).toBe(code);
      expect(response.json<{ message: string }>().message).not.toMatch(/\n/);
    }
    expect(storeSnapshot(f.store)).toBe(before);
  });
});

describe("any body", () => {
  let shared: ApiFixture;
  beforeAll(async () => {
    shared = await apiFixture();
  });
  afterAll(async () => {
    await shared.close();
  });

  it("is accepted, or a typed 4xx on one line that changes nothing", async () => {
    const names = fc.oneof(fc.constantFrom("n01", "db01", "rack1", "img", "new01", "n0[1-2]", "", "a b", "discovered-525400000099"), fc.string({ maxLength: 20 }));
    const attributes = fc.dictionary(fc.oneof(fc.constantFrom("ip", "groups", "members", "protected", "state", "nosuch", "osimage"), fc.string({ maxLength: 10 })), fc.oneof(fc.constantFrom("10.0.0.9", "rack1", "yes", "", "a\nb", "n0[1-3]"), fc.string({ maxLength: 20 })), { maxKeys: 3 });
    const body = fc.oneof(
      fc.record({ definitions: fc.array(fc.record({ type: fc.constantFrom("node", "group", "osimage", "printer"), names: fc.array(names, { maxLength: 3 }), attributes }), { maxLength: 3 }), mode: fc.constantFrom("set", "add", "remove", "x"), stanza: fc.boolean() }, { requiredKeys: [] }),
      fc.record({ from: names, to: names }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/api/v1/definitions", "/api/v1/definitions/rename"), body, async (url, payload) => {
        const before = storeSnapshot(shared.store);
        const response = await shared.app.inject({ method: "POST", url, headers: { ...bearer(shared.tokens.admin), "content-type": "application/json" }, payload: JSON.stringify(payload) });
        expect(response.statusCode, response.body).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(response.json<{ message: string }>().message).not.toMatch(/[\r\n]/);
          expect(storeSnapshot(shared.store)).toBe(before);
        }
      }),
      { numRuns: 200 },
    );
  });
});
