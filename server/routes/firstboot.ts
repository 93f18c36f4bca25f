import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { recordBooted } from "../../src/install/firstboot.js";
import type { InstallDeps } from "../../src/install/service.js";
import { bearerToken, bootedBody, nodeParams, okResponse, tokenHeaders } from "../schemas.js";

/** POST /firstboot/:node — a clone, booted from its own disk, reports in once with the credential its install wrote, and with its own host keys. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const firstbootRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { deps: InstallDeps } }> = async (app, { deps }) => {
  app.post("/:node", { schema: { params: nodeParams, headers: tokenHeaders, body: bootedBody, response: { 200: okResponse } } }, (request) => {
    const { hostname, addresses, kernel, hostkeys } = request.body;
    recordBooted(deps.store, request.params.node, bearerToken(request.headers.authorization), {
      hostname, addresses: addresses ?? [], ...(kernel ? { kernel } : {}), hostKeys: hostkeys ?? [],
    });
    return Promise.resolve({ ok: true });
  });
};
