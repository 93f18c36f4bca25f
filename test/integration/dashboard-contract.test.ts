import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFixture, type ApiFixture } from "../helpers/api.js";

/**
 * The dashboard types most API answers as FromSchema of server/api's exported schemas; the answers
 * whose schemas stay private to their route files are mirrored in server/dashboard/client/types.ts.
 * This holds the mirrors to the API's own OpenAPI document: every field the dashboard reads is one
 * the API promises (required), so a renamed or dropped field fails here, not in a user's browser.
 */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
}

let fixture: ApiFixture;
let paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;

beforeAll(async () => {
  fixture = await apiFixture();
  const answer = await fixture.app.inject({ url: "/api/v1/openapi.json" });
  expect(answer.statusCode).toBe(200);
  paths = answer.json<{ paths: typeof paths }>().paths;
});

afterAll(async () => {
  await fixture?.close();
});

function answerSchema(route: string, method: string): Schema {
  const schema = paths[`/api/v1${route}`]?.[method]?.responses["200"]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no 200 JSON answer for ${method.toUpperCase()} ${route} in the OpenAPI document`);
  return schema;
}

/** Follows property names and "[]" (array items) down a schema. */
function at(schema: Schema, ...steps: string[]): Schema {
  let here = schema;
  for (const step of steps) {
    const next = step === "[]" ? here.items : here.properties?.[step];
    if (!next) throw new Error(`no ${steps.join(".")} in the schema`);
    here = next;
  }
  return here;
}

describe("what the dashboard reads is what the API's OpenAPI document promises", () => {
  it.each([
    ["/nodes/{name}/plan", "get", [], ["ok"]],
    ["/nodes/{name}/plan", "get", ["plan"], ["node", "osimage", "version", "target", "disks", "wipeDisks", "transport", "postscripts", "finalAction", "warnings", "lines"]],
    ["/nodes/{name}/plan", "get", ["plan", "disks", "[]"], ["dev", "sizeBytes", "wiped", "labelType", "partitions"]],
    ["/nodes/{name}/plan", "get", ["plan", "disks", "[]", "partitions", "[]"], ["dev", "sizeBytes", "type", "fs", "mountpoint"]],
    ["/nodes/{name}/timeline", "get", ["entries", "[]"], ["at", "kind", "source", "message"]],
    ["/osimages", "get", ["osimages", "[]"], ["name", "attributes"]],
    ["/osimages/{name}/versions", "get", ["versions", "[]"], ["version", "capturedAt", "sourceNode", "sizeBytes", "fileCount", "current"]],
    ["/osimages/{name}/diff", "get", [], ["added", "changed", "removed", "totals", "truncated"]],
    ["/nodeset", "post", ["results", "[]"], ["node", "ok"]],
    ["/events", "get", ["events", "[]"], ["id", "at", "kind", "node", "osimage", "message"]],
  ] as const)("%s %s %j requires %j", (route, method, steps, fields) => {
    const schema = at(answerSchema(route, method), ...steps);
    expect(schema.required ?? []).toEqual(expect.arrayContaining([...fields]));
  });

  it("the optional fields the dashboard reads exist with the types it expects", () => {
    const plan = answerSchema("/nodes/{name}/plan", "get");
    expect(at(plan, "code").type).toBe("string");
    expect(at(plan, "message").type).toBe("string");
    expect(at(plan, "hint").type).toBe("string");
    expect(at(plan, "plan", "target")).toMatchObject({ enum: ["disks", "directory"] });
    const result = at(answerSchema("/nodeset", "post"), "results", "[]");
    for (const field of ["destiny", "code", "message"]) expect(at(result, field).type).toBe("string");
    expect(at(answerSchema("/nodes/{name}/timeline", "get"), "entries", "[]", "actor").type).toBe("string");
    expect(at(answerSchema("/events", "get"), "events", "[]", "node").type).toBe("string");
  });
});
