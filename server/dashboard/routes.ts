import path from "node:path";
import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import type { FastifyReply } from "fastify";
import { checkoutRoot } from "../../src/config/paths.js";
import { FILE_PATTERN, loadDashboardFiles, type DashboardFile } from "./files.js";

export interface DashboardOptions {
  /** Where index.html and style.css are (default server/dashboard/public of the checkout). */
  readonly publicDir?: string;
  /** Where the compiled browser modules are (default dist/server/dashboard/client: `npm run build` makes them). */
  readonly clientDir?: string;
}

/**
 * Content-Security-Policy: only this server's own scripts, styles and API; no inline script, no
 * other origin, not framed. The page holds no secret but its session, and nothing can load it elsewhere.
 */
const securityHeaders = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const;

const fileParams = {
  type: "object",
  properties: { "*": { type: "string", pattern: FILE_PATTERN } },
  required: ["*"],
  additionalProperties: false,
} as const;

function send(reply: FastifyReply, file: DashboardFile, ifNoneMatch: string | undefined): FastifyReply {
  reply.headers(securityHeaders).header("cache-control", "no-cache").header("etag", file.etag);
  if (ifNoneMatch === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

/**
 * The dashboard at `/`: one HTML page and its modules under `/ui/`, all from this server (no CDN,
 * no internet). The page talks only to /api/v1, whose auth it uses; these routes serve files and
 * need none. The files are read once, when the server starts.
 */
export const dashboardRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: DashboardOptions }> = async (app, options) => {
  const root = checkoutRoot();
  const publicDir = options.publicDir ?? path.join(root, "server", "dashboard", "public");
  const clientDir = options.clientDir ?? path.join(root, "dist", "server", "dashboard", "client");
  const files = await loadDashboardFiles([publicDir, clientDir]);
  const built = files.has("main.js");
  app.get("/", (request, reply) => {
    const index = files.get("index.html");
    if (!index || !built) {
      return reply.code(503).headers(securityHeaders).type("text/plain; charset=utf-8").send("The dashboard is not built: run npm run build (or npm run setup), then restart sysclone serve.\n");
    }
    return send(reply, index, request.headers["if-none-match"]);
  });
  app.get("/ui/*", { schema: { params: fileParams } }, (request, reply) => {
    const file = files.get(request.params["*"]);
    if (!file) return reply.callNotFound();
    return send(reply, file, request.headers["if-none-match"]);
  });
};
