import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { auditedChange } from "../../src/audit/record.js";
import { parseNodesetAction } from "../../src/boot/destiny.js";
import { nodeFacts } from "../../src/auth/node-facts.js";
import { authorizeNodes, scopedNoderangeContext } from "../../src/auth/scope.js";
import { SyscloneError } from "../../src/errors/errors.js";
import { nodesetDeps, setNextBoot } from "../../src/nodes/nodeset.js";
import { hasControlCharacter } from "../../src/objects/quote.js";
import { actorOf, principalOf, type ApiContext } from "./context.js";
import { requireAction } from "./guard.js";
import { errors } from "./schemas.js";

export const nodesetBody = {
  type: "object",
  properties: {
    noderange: { type: "string", maxLength: 4096, description: "an xCAT noderange, among the nodes the caller sees" },
    destiny: { type: "string", maxLength: 256, description: "osimage=NAME, osimage=NAME@N (pins version N), boot, shell, wipe,osimage=NAME or install" },
    force: { type: "boolean", description: "admins only: override protected=yes" },
    confirm: { type: "integer", minimum: 0, maximum: 1_000_000, description: "the number of nodes: required above 50, and must match when given" },
  },
  required: ["noderange", "destiny"],
  additionalProperties: false,
} as const;

export const nodesetAnswer = {
  type: "object",
  properties: {
    results: {
      type: "array",
      items: {
        type: "object",
        properties: {
          node: { type: "string" },
          ok: { type: "boolean" },
          destiny: { type: "string", description: "install, wipe,install, boot or shell" },
          osimage: { type: "string" },
          version: { type: "integer", description: "the pinned version, when osimage=NAME@N" },
          revokedInstall: { type: "integer", description: "the install under way that this change ended" },
          code: { type: "string" },
          message: { type: "string" },
        },
        required: ["node", "ok"],
        additionalProperties: false,
      },
    },
  },
  required: ["results"],
  additionalProperties: false,
} as const;

/**
 * POST /nodeset: what the nodes' next boot does, all nodes or none. Operators within their groups,
 * admins anywhere (protected nodes with force); an empty range is refused, more than 50 nodes need
 * confirm. A refusal is an error answer naming the nodes, and nothing changes.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const nodesetRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { ctx: ApiContext } }> = async (app, { ctx }) => {
  const { store } = ctx.deps;

  app.post("/nodeset", {
    schema: { summary: "Set the next boot of a noderange: install (optionally a pinned version, optionally wiping first), local disk, or shell", tags: ["nodes"], body: nodesetBody, response: { 200: nodesetAnswer, ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    const { noderange, destiny, force, confirm } = request.body;
    const action = parseNodesetAction(destiny);
    const policyAction = action.destiny === "boot" ? "boot" : "nodeset";
    // The role first, before the range says anything about which nodes exist.
    requireAction(request, policyAction);
    if (noderange.trim() === "") throw new SyscloneError("EMPTY_NODERANGE", `${policyAction} needs at least one node; the noderange is empty`, { hint: "name the nodes, e.g. node[01-04] or a group" });
    if (hasControlCharacter(noderange)) throw new SyscloneError("BAD_NODERANGE", "the noderange holds a line break or control character", { hint: "give it on one line, e.g. node[01-04]" });
    const deps = nodesetDeps(store);
    const scoped = { ...deps, noderange: scopedNoderangeContext(deps.noderange, principal, nodeFacts(store)) };
    const check = (nodes: readonly string[]): void => void authorizeNodes(store, principal, policyAction, nodes, { ...(force !== undefined ? { force } : {}), ...(confirm !== undefined ? { confirm } : {}) });
    const results = auditedChange(store, actorOf(request), "nodeset", () => setNextBoot(scoped, { noderange, action, check }), ["node"]);
    await ctx.deps.onInstallsChanged();
    return {
      results: results.map((result) => ({
        node: result.node,
        ok: true,
        destiny: result.destiny,
        ...(result.osimage !== undefined ? { osimage: result.osimage } : {}),
        ...(result.version !== undefined ? { version: result.version } : {}),
        ...(result.revokedInstall !== undefined ? { revokedInstall: result.revokedInstall } : {}),
      })),
    };
  });
};
