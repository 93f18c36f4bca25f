import { createServer } from "node:http";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { JsonSchemaToTsProvider } from "@fastify/type-provider-json-schema-to-ts";
import { errorCatalog, isSyscloneError } from "../src/errors/errors.js";
import type { InstallDeps } from "../src/install/service.js";
import { apiRoutes } from "./api/index.js";
import { dashboardRoutes } from "./dashboard/routes.js";
import { bootRoutes } from "./routes/boot.js";
import { firstbootRoutes } from "./routes/firstboot.js";
import { installRoutes } from "./routes/install.js";

export interface ServerOptions {
  /** Log requests (the serve command turns this on; tests leave it off). */
  readonly logger?: boolean;
  /** Milliseconds a client has to send a whole request (default 30 s). */
  readonly requestTimeoutMs?: number;
}

/** The management server, not listening: server/main.ts listens, tests use inject(). */
export async function buildServer(deps: InstallDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  // removeAdditional off: an unknown field is refused, not silently dropped.
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    // A request (headers and body) must arrive within requestTimeout: a trickled body does not hold a connection open.
    // Node checks this every connectionsCheckingInterval (30 s by default), so it is checked every second here.
    // Keep-alive 72 s (fastify's own default; Node's is 5 s): a machine fetching its initrd after a slow kernel in a boot
    // storm must not find its connection closed under it (iPXE does not retry; the storm bench saw "socket hang up").
    serverFactory: (handler) => createServer({ requestTimeout, headersTimeout: Math.min(requestTimeout, 60_000), connectionsCheckingInterval: 1000, keepAliveTimeout: 72_000 }, handler),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<JsonSchemaToTsProvider>();
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (isSyscloneError(error)) {
      return reply.code(errorCatalog[error.code].http).send({ code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    }
    if (error.validation) return reply.code(400).send({ code: "BAD_REQUEST", message: error.message });
    if (error.statusCode !== undefined && error.statusCode < 500) return reply.code(error.statusCode).send({ code: error.code || "BAD_REQUEST", message: error.message });
    app.log.error(error);
    return reply.code(500).send({ code: "INTERNAL", message: "internal error; see the server log" });
  });
  await app.register(installRoutes, { prefix: "/install", deps });
  await app.register(bootRoutes, { deps });
  await app.register(firstbootRoutes, { prefix: "/firstboot", deps });
  await app.register(apiRoutes, { prefix: "/api/v1", deps });
  await app.register(dashboardRoutes, {});
  return app;
}
