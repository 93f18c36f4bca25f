/** JSON schemas of the install protocol; through the type provider they are also the handlers' types. */

export const nodeParams = {
  type: "object",
  properties: { node: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$" } },
  required: ["node"],
  additionalProperties: false,
} as const;

/** The token of an `Authorization: Bearer …` header, if that is what the header holds. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith("Bearer ") ? header.slice(7) : undefined;
}

export const tokenHeaders = {
  type: "object",
  properties: { authorization: { type: "string", pattern: "^Bearer [A-Za-z0-9_-]{16,128}$" } },
  required: ["authorization"],
} as const;

const shortText = { type: "string", maxLength: 256 } as const;

export const inventoryBody = {
  type: "object",
  properties: {
    disks: {
      type: "array",
      maxItems: 256,
      items: {
        type: "object",
        properties: {
          name: { type: "string", pattern: "^[a-z][a-z0-9]{0,31}$" },
          sizeBytes: { type: "integer", minimum: 0 },
          logicalSectorSize: { type: "integer", enum: [512, 4096] },
          removable: { type: "boolean" },
          readOnly: { type: "boolean" },
          model: shortText,
          serial: shortText,
          rotational: { type: "boolean" },
          transport: { type: "string", pattern: "^[a-z0-9_-]{1,16}$" },
          raidLevel: { type: "string", pattern: "^[a-z0-9_-]{1,16}$" },
          memberOf: { type: "string", pattern: "^[a-z][a-z0-9]{0,31}$" },
        },
        required: ["name", "sizeBytes"],
        additionalProperties: false,
      },
    },
    nics: {
      type: "array",
      maxItems: 64,
      items: {
        type: "object",
        properties: {
          name: { type: "string", pattern: "^[A-Za-z0-9._-]{1,15}$" },
          mac: { type: "string", pattern: "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" },
          driver: { type: "string", pattern: "^[A-Za-z0-9_.-]{1,32}$" },
          link: { type: "boolean" },
          speedMbps: { type: "integer", minimum: 0, maximum: 10_000_000 },
        },
        required: ["name", "mac"],
        additionalProperties: false,
      },
    },
    firmware: { type: "string", enum: ["uefi", "bios"] },
    dmi: {
      type: "object",
      properties: { uuid: shortText, serial: shortText, product: shortText, vendor: shortText, biosVersion: shortText },
      additionalProperties: false,
    },
    cpu: {
      type: "object",
      properties: { model: shortText, count: { type: "integer", minimum: 1, maximum: 65_536 } },
      required: ["count"],
      additionalProperties: false,
    },
    memoryBytes: { type: "integer", minimum: 0 },
    targetDirectory: { type: "string", pattern: "^/[A-Za-z0-9._/-]*$", maxLength: 1024 },
  },
  required: ["disks", "nics", "firmware"],
  additionalProperties: false,
} as const;

export const progressBody = {
  type: "object",
  properties: {
    phase: { type: "string", pattern: "^[a-z][a-z0-9_-]{0,31}$" },
    percent: { type: "number", minimum: 0, maximum: 100 },
    bytes: { type: "integer", minimum: 0 },
    message: { type: "string", maxLength: 1024 },
    session: { type: "string", pattern: "^[A-Za-z0-9._-]{1,128}$" },
    rate: { type: "number", minimum: 0 },
  },
  required: ["phase"],
  additionalProperties: false,
} as const;

export const finishBody = {
  type: "object",
  properties: {
    verifiedFiles: { type: "integer", minimum: 0 },
    seconds: { type: "number", minimum: 0 },
  },
  additionalProperties: false,
} as const;

export const prescriptParams = {
  type: "object",
  properties: { node: nodeParams.properties.node, name: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$" } },
  required: ["node", "name"],
  additionalProperties: false,
} as const;

export const failBody = {
  type: "object",
  properties: {
    step: { type: "string", pattern: "^[A-Za-z0-9_. -]{1,64}$" },
    message: { type: "string", maxLength: 4096 },
    exit: { type: "integer" },
  },
  required: ["step", "message"],
  additionalProperties: false,
} as const;

export const errorResponse = {
  type: "object",
  properties: { code: { type: "string" }, message: { type: "string" }, hint: { type: "string" } },
  required: ["code", "message"],
} as const;

export const okResponse = {
  type: "object",
  properties: { ok: { type: "boolean" } },
  required: ["ok"],
} as const;

export const bootedBody = {
  type: "object",
  properties: {
    hostname: { type: "string", minLength: 1, maxLength: 253 },
    addresses: { type: "array", maxItems: 64, items: { type: "string", maxLength: 64 } },
    kernel: { type: "string", maxLength: 128 },
    /** The clone's own public host keys, "type base64" (its /etc/ssh/ssh_host_*_key.pub): pinned for the node. */
    hostkeys: { type: "array", maxItems: 8, items: { type: "string", minLength: 1, maxLength: 2048, pattern: "^[a-z0-9@.-]+ [A-Za-z0-9+/]+={0,2}$" } },
  },
  required: ["hostname"],
  additionalProperties: false,
} as const;
