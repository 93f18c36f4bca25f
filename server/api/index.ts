import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import type { InstallDeps } from "../../src/install/service.js";
import { auditRoutes } from "./audit.js";
import { apiErrorHandler, authenticateRequest } from "./auth.js";
import { apiContext, type ApiOptions } from "./context.js";
import { definitionRoutes } from "./definitions.js";
import { eventRoutes } from "./events.js";
import { groupRoutes } from "./groups.js";
import { nodeRoutes } from "./nodes.js";
import { nodesetRoutes } from "./nodeset.js";
import { docsPage, openApiDocument, type CollectedRoute } from "./openapi.js";
import { osimageRoutes } from "./osimages.js";
import { sessionRoutes } from "./session.js";
import { userRoutes } from "./users.js";

export const API_VERSION = "1.0.0";

/**
 * /api/v1: the management API, its own encapsulated scope with its own authentication (API tokens
 * or browser sessions with CSRF), error answers and 404s, beside the boot and install routes.
 */
export const apiRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { deps: InstallDeps } & ApiOptions }> = async (app, options) => {
  const ctx = apiContext(options.deps, options);
  const routes: CollectedRoute[] = [];
  app.addHook("onRoute", (route) => {
    routes.push(route);
  });
  app.decorateRequest("principal", undefined);
  app.decorateRequest("credential", undefined);
  app.setErrorHandler(apiErrorHandler(app));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ code: "UNKNOWN_OBJECT", message: `no API route ${request.method} ${request.url.split("?")[0] ?? ""}`, hint: "GET /api/v1/docs lists the routes" }));
  // Before the body is read: a caller without credentials cannot make the server parse anything.
  app.addHook("onRequest", (request, _reply, done) => {
    try {
      authenticateRequest(ctx, request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  // Event streams never end by themselves: closing the server ends them, so it does not wait on them.
  app.addHook("preClose", (done) => {
    for (const end of [...ctx.streams]) end();
    done();
  });

  await app.register(sessionRoutes, { ctx });
  await app.register(nodeRoutes, { ctx });
  await app.register(nodesetRoutes, { ctx });
  await app.register(groupRoutes, { ctx });
  await app.register(osimageRoutes, { ctx });
  await app.register(eventRoutes, { ctx });
  await app.register(auditRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(definitionRoutes, { ctx });

  let document: Record<string, unknown> | undefined;
  const documentOf = () => (document ??= openApiDocument(routes, API_VERSION));
  app.get("/openapi.json", { config: { public: true }, schema: { summary: "This API as an OpenAPI 3.1 document, generated from the routes' schemas", tags: ["docs"] } }, (_request, reply) =>
    reply.type("application/json").send(documentOf()),
  );
  app.get("/docs", { config: { public: true }, schema: { summary: "The API's documentation as a page (served here; nothing from elsewhere)", tags: ["docs"] } }, (_request, reply) =>
    reply.type("text/html; charset=utf-8").header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'").send(docsPage(documentOf())),
  );
};
