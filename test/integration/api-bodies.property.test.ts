import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFixture, bearer, storeSnapshot, type ApiFixture } from "../helpers/api.js";

/**
 * R1 for the API: whatever body or query anyone sends, the answer is a success or a typed 4xx
 * ({ code, message } on one line) — never a 500 — and a refused request changes nothing. Sent as
 * the admin, whose requests reach deepest.
 */
let fixture: ApiFixture;

beforeAll(async () => {
  fixture = await apiFixture();
});

afterAll(async () => {
  await fixture?.close();
});

const names = fc.oneof(fc.constantFrom("n01", "n02", "n03", "db01", "rack1", "big", "img", "nosuch", "n0[1-3]", "rack1,-n02", "/n0", "^/etc/passwd", "n01@img", "", " "), fc.string({ maxLength: 40 }));
const destinies = fc.oneof(fc.constantFrom("boot", "shell", "install", "osimage=img", "osimage=img@1", "osimage=img@0", "osimage=img@99", "wipe,osimage=img", "wipe", "osimage=", "osimage=nope@2", "boot,shell"), fc.string({ maxLength: 40 }));
const attributes = fc.dictionary(
  fc.oneof(fc.constantFrom("ip", "groups", "mac", "hostname", "osimage", "state", "members", "priority", "protected", "retain", "transport", "nosuch"), fc.string({ maxLength: 12 })),
  fc.oneof(fc.constantFrom("10.0.0.9", "rack1", "n0[1-2]", "yes", "rsync", "aa:bb:cc:dd:ee:ff", "", "a\nb"), fc.string({ maxLength: 30 }), fc.integer() as fc.Arbitrary<unknown> as fc.Arbitrary<string>),
  { maxKeys: 4 },
);
/** A body shaped like the route's, or anything JSON at all. */
const shaped = <T>(shape: fc.Arbitrary<T>) => fc.oneof(shape, fc.jsonValue());

const routes: { readonly name: string; readonly method: "POST" | "PATCH" | "DELETE"; readonly url: fc.Arbitrary<string>; readonly body: fc.Arbitrary<unknown> }[] = [
  { name: "POST /nodeset", method: "POST", url: fc.constant("/api/v1/nodeset"), body: shaped(fc.record({ noderange: names, destiny: destinies, force: fc.boolean(), confirm: fc.integer({ min: -1, max: 100 }) }, { requiredKeys: [] })) },
  { name: "POST /nodes", method: "POST", url: fc.constant("/api/v1/nodes"), body: shaped(fc.record({ name: names, attributes }, { requiredKeys: [] })) },
  { name: "PATCH /nodes/:name", method: "PATCH", url: names.map((name) => `/api/v1/nodes/${encodeURIComponent(name)}`), body: shaped(fc.record({ attributes }, { requiredKeys: [] })) },
  { name: "POST /groups", method: "POST", url: fc.constant("/api/v1/groups"), body: shaped(fc.record({ name: names, attributes }, { requiredKeys: [] })) },
  { name: "PATCH /groups/:name", method: "PATCH", url: names.map((name) => `/api/v1/groups/${encodeURIComponent(name)}`), body: shaped(fc.record({ attributes }, { requiredKeys: [] })) },
  { name: "PATCH /osimages/:name", method: "PATCH", url: names.map((name) => `/api/v1/osimages/${encodeURIComponent(name)}`), body: shaped(fc.record({ attributes }, { requiredKeys: [] })) },
  { name: "POST /osimages/:name/current", method: "POST", url: names.map((name) => `/api/v1/osimages/${encodeURIComponent(name)}/current`), body: shaped(fc.record({ version: fc.integer({ min: -2, max: 4 }) }, { requiredKeys: [] })) },
  { name: "POST /nodes/:name/assign", method: "POST", url: names.map((name) => `/api/v1/nodes/${encodeURIComponent(name)}/assign`), body: shaped(fc.record({ discovered: fc.oneof(names, fc.constant("discovered-525400000099")) }, { requiredKeys: [] })) },
  { name: "POST /nodes/:name/cancel", method: "POST", url: names.map((name) => `/api/v1/nodes/${encodeURIComponent(name)}/cancel`), body: fc.constant(undefined) },
  {
    name: "POST /users", method: "POST", url: fc.constant("/api/v1/users"),
    body: shaped(fc.record({ name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), names), role: fc.constantFrom("admin", "operator", "viewer", "root", ""), groups: fc.array(names, { maxLength: 3 }), password: fc.oneof(fc.constant("long-enough-pw"), fc.string({ maxLength: 20 })), expires: fc.constantFrom("30d", "never", "0s", "2020-01-01", "x", "") }, { requiredKeys: [] })),
  },
  { name: "POST /tokens", method: "POST", url: fc.constant("/api/v1/tokens"), body: shaped(fc.record({ user: fc.constantFrom("vera", "nobody", "", "root"), expires: fc.oneof(fc.constantFrom("1h", "never", "3651d"), fc.string({ maxLength: 12 })) }, { requiredKeys: [] })) },
  { name: "DELETE /users/:name", method: "DELETE", url: fc.constantFrom("root", "nobody", "", "a b", "spare\n").map((name) => `/api/v1/users/${encodeURIComponent(name)}`), body: fc.constant(undefined) },
  { name: "POST /session", method: "POST", url: fc.constant("/api/v1/session"), body: shaped(fc.record({ user: names, password: fc.string({ maxLength: 20 }) }, { requiredKeys: [] })) },
];

function checkAnswer(status: number, body: string): void {
  expect(status, body).toBeLessThan(500);
  if (status >= 400) {
    const answer = JSON.parse(body) as { code: unknown; message: unknown };
    expect(typeof answer.code).toBe("string");
    expect(typeof answer.message).toBe("string");
    expect(String(answer.message)).not.toMatch(/[\r\n]/);
  }
}

describe("API bodies: accepted or a typed 4xx, never a 500; refusals change nothing", () => {
  it.each(routes.map((route) => [route.name, route] as const))("%s", async (_name, route) => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(route.url, route.body, async (url, body) => {
        const before = storeSnapshot(fixture.store);
        const response = await fixture.app.inject({
          method: route.method, url, headers: { ...bearer(fixture.tokens.admin), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
        checkAnswer(response.statusCode, response.body);
        outcomes.add(response.statusCode < 400 ? "accepted" : (JSON.parse(response.body) as { code: string }).code);
        if (response.statusCode >= 400) expect(storeSnapshot(fixture.store)).toBe(before);
      }),
      { numRuns: 120 },
    );
    // The generators reach past the schema: some requests are accepted or refused by the domain, not only by validation.
    expect([...outcomes].some((outcome) => outcome !== "BAD_REQUEST"), [...outcomes].join(",")).toBe(true);
  });

  it("bodies that are not JSON at all", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/api/v1/nodeset", "/api/v1/nodes", "/api/v1/users", "/api/v1/session"), fc.string({ maxLength: 60 }), async (url, text) => {
        const before = storeSnapshot(fixture.store);
        const response = await fixture.app.inject({ method: "POST", url, headers: { ...bearer(fixture.tokens.admin), "content-type": "application/json" }, payload: text });
        checkAnswer(response.statusCode, response.body);
        if (response.statusCode >= 400) expect(storeSnapshot(fixture.store)).toBe(before);
      }),
      { numRuns: 150 },
    );
  });

  it("query strings of the read routes", async () => {
    const value = fc.oneof(fc.constantFrom("n01", "rack1", "0", "-1", "1", "99999999999999999999", "progress", "", "n0[1-3]", "^/etc/passwd"), fc.string({ maxLength: 20 }));
    const query = fc.dictionary(fc.constantFrom("noderange", "state", "group", "q", "after", "node", "kind", "limit", "from", "to", "offset", "actor", "x"), value, { maxKeys: 4 });
    const path = fc.constantFrom("/api/v1/nodes", "/api/v1/events", "/api/v1/audit", "/api/v1/osimages/img/diff", "/api/v1/nodes/n01/log", "/api/v1/nodes/n01/plan", "/api/v1/groups");
    await fc.assert(
      fc.asyncProperty(path, query, fc.constantFrom<"admin" | "opOut" | "viewer">("admin", "opOut", "viewer"), async (url, params, role) => {
        const response = await fixture.app.inject({ method: "GET", url: `${url}?${new URLSearchParams(params).toString()}`, headers: bearer(fixture.tokens[role]) });
        expect(response.statusCode, response.body).toBeLessThan(500);
        if (response.statusCode >= 400) checkAnswer(response.statusCode, response.body);
      }),
      { numRuns: 300 },
    );
  });
});
