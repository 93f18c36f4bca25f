/**
 * JSON schemas shared by the /api/v1 routes. Through the type provider they are the handlers'
 * types; the OpenAPI document is generated from them (server/api/openapi.ts).
 */

export const NAME_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$";

export const nameParams = {
  type: "object",
  properties: { name: { type: "string", pattern: NAME_PATTERN } },
  required: ["name"],
  additionalProperties: false,
} as const;

export const errorBody = {
  type: "object",
  description: "A refusal: a stable code, one line saying what is wrong, and what to do",
  properties: {
    code: { type: "string" },
    message: { type: "string" },
    hint: { type: "string" },
    nodes: { type: "array", items: { type: "string" }, description: "the nodes the refusal is about, where it names some" },
    retryAfter: { type: "integer", description: "RATE_LIMITED: seconds to wait" },
  },
  required: ["code", "message"],
  additionalProperties: false,
} as const;

/** Every route answers refusals with errorBody. */
export const errors = { "4xx": errorBody, "5xx": errorBody } as const;

/** attribute name → value; names and values as lsdef shows them. */
export const attributesSchema = {
  type: "object",
  additionalProperties: { type: "string", maxLength: 4096 },
  // vars.KEY: the free attributes templates read (src/objects/vars.ts).
  propertyNames: { pattern: "^([a-z][a-z0-9]{0,31}|vars\\.[A-Za-z_][A-Za-z0-9_-]{0,63})$" },
  maxProperties: 256,
} as const;

export const attributesBody = {
  type: "object",
  properties: { attributes: attributesSchema },
  required: ["attributes"],
  additionalProperties: false,
} as const;

export const createBody = {
  type: "object",
  properties: { name: { type: "string", pattern: NAME_PATTERN }, attributes: attributesSchema },
  required: ["name"],
  additionalProperties: false,
} as const;

const nullableNumber = { type: ["number", "null"] } as const;

export const nodeSchema = {
  type: "object",
  properties: {
    name: { type: "string" },
    attributes: attributesSchema,
    status: {
      type: "object",
      properties: {
        state: { type: "string" },
        phase: { type: "string" },
        percent: nullableNumber,
        bytes: nullableNumber,
        lastError: { type: "string" },
        destiny: { type: "string" },
        osimage: { type: "string" },
        imageVersion: nullableNumber,
        pinnedVersion: nullableNumber,
        bootedAt: { type: "string" },
      },
      required: ["state", "phase", "percent", "bytes", "lastError", "destiny", "osimage", "imageVersion", "pinnedVersion", "bootedAt"],
      additionalProperties: false,
    },
  },
  required: ["name", "attributes", "status"],
  additionalProperties: false,
} as const;

export const okBody = {
  type: "object",
  properties: { ok: { type: "boolean" } },
  required: ["ok"],
  additionalProperties: false,
} as const;

export const principalBody = {
  type: "object",
  properties: {
    user: { type: "string" },
    role: { type: "string", enum: ["admin", "operator", "viewer"] },
    groups: { type: "array", items: { type: "string" } },
  },
  required: ["user", "role", "groups"],
  additionalProperties: false,
} as const;
