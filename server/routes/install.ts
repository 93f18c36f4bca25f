import path from "node:path";
import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { joinMulticast, renderMulticastAnswer } from "../../src/install/multicast-join.js";
import { prescriptBody, receivePrescriptRequest } from "../../src/install/hardware.js";
import { appendInstallLog, failInstall, failureMessage, finishInstall, receiveInventory, recordProgress, type InstallDeps } from "../../src/install/service.js";
import { authenticate } from "../../src/install/tokens.js";
import { issueFirstbootToken } from "../../src/install/firstboot.js";
import { signatureHeaders } from "../../src/install/signing.js";
import { Throttle } from "../../src/boot/rate-limit.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { streamArchive, type ArchiveResult } from "../../src/exec/archive.js";
import { handoverSocket, sendArchiveOnSocket } from "../archive-response.js";
import type { InstallRecord } from "../../src/store/installs.js";
import { DEFAULT_MAX_ARCHIVES, MAX_LOG_CHUNK, Slots, VerifyListCache } from "../limits.js";
import { clientAddress, routeStep } from "../request.js";
import { bearerToken, failBody, finishBody, inventoryBody, nodeParams, okResponse, prescriptParams, progressBody, tokenHeaders } from "../schemas.js";

declare module "fastify" {
  interface FastifyRequest {
    install?: InstallRecord;
  }
}

const archiveQuery = {
  type: "object",
  properties: { compress: { type: "string", enum: ["zstd", "none"] } },
  additionalProperties: false,
} as const;

const manifestQuery = {
  type: "object",
  properties: { format: { type: "string", enum: ["sha256", "meta"] } },
  additionalProperties: false,
} as const;

function installOf(request: { install?: InstallRecord }): InstallRecord {
  if (!request.install) throw new Error("install route reached without authentication");
  return request.install;
}

/** A refusal of the caller's request (a bad body, a plan refused) rather than a failure of the server. */
function clientError(error: unknown): boolean {
  if (isSyscloneError(error)) return error.httpStatus < 500;
  const status = (error as { statusCode?: number }).statusCode;
  return status !== undefined && status < 500;
}

/** An install is marked alive at most this often by its node's calls (each mark is a database write). */
const TOUCH_INTERVAL_MS = 10_000;

/** POST /install/:node/… — every call carries the node's per-boot token and comes from the address it is bound to. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const installRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { deps: InstallDeps } }> = async (app, { deps }) => {
  const refusals = new Throttle(60_000);
  const archives = new Slots(deps.maxArchives ?? DEFAULT_MAX_ARCHIVES);
  const verifyLists = new VerifyListCache(deps.repository);
  app.decorateRequest("install", undefined);
  // Authenticated before the body is read: a caller without the token cannot make the server parse anything.
  app.addHook("onRequest", (request, _reply, done) => {
    const params = request.params as { node?: string };
    try {
      const install = authenticate(deps.store, params.node ?? "", bearerToken(request.headers.authorization), {
        from: clientAddress(request.ip),
        finished: request.routeOptions.url?.endsWith("/finish") === true,
        recordRefusal: () => refusals.allow(clientAddress(request.ip)),
      });
      if (Date.now() - Date.parse(install.updatedAt) > TOUCH_INTERVAL_MS) deps.store.installs.touch(install.id);
      request.install = install;
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  // A request the server fails on, once the caller is known, ends its install as failed with the reason: nothing stays
  // live by accident. A request refused as malformed (4xx) changes nothing; the node may send it again, corrected.
  app.addHook("onError", async (request, _reply, error) => {
    if (request.install === undefined || clientError(error)) return;
    await failInstall(deps, request.install, { step: routeStep(request.routeOptions.url), message: failureMessage(error) });
  });
  app.addContentTypeParser("text/plain", { parseAs: "string", bodyLimit: MAX_LOG_CHUNK }, (_request, body, done) => done(null, body));

  app.post("/:node/inventory", { schema: { params: nodeParams, headers: tokenHeaders, body: inventoryBody } }, async (request, reply) => {
    const { script, rsyncPassword } = await receiveInventory(deps, installOf(request), request.body);
    return reply.type("text/x-shellscript").header("x-sysclone-rsync-password", rsyncPassword).header("cache-control", "no-store")
      .headers(signatureHeaders(deps.signingKey, "plan", installOf(request), script)).send(script);
  });

  // Before the plan: the machine as booted is checked against hwreq, then told its pre-install scripts (signed: name and sha256).
  app.post("/:node/prescripts", { schema: { params: nodeParams, headers: tokenHeaders, body: inventoryBody } }, async (request, reply) => {
    const list = await receivePrescriptRequest(deps, installOf(request), request.body);
    return reply.type("text/plain").header("cache-control", "no-store").headers(signatureHeaders(deps.signingKey, "prescripts", installOf(request), list)).send(list);
  });

  app.get("/:node/prescripts/:name", { schema: { params: prescriptParams, headers: tokenHeaders } }, async (request, reply) => {
    const body = await prescriptBody(deps, installOf(request), request.params.name);
    return reply.type("application/octet-stream").header("cache-control", "no-store").send(body);
  });

  app.post("/:node/multicast", { schema: { params: nodeParams, headers: tokenHeaders, body: { type: "object", additionalProperties: false } } }, (request, reply) => {
    const answer = joinMulticast(deps, installOf(request));
    return reply.type("text/plain").header("cache-control", "no-store").send(renderMulticastAnswer(answer));
  });

  app.post("/:node/firstboot", { schema: { params: nodeParams, headers: tokenHeaders } }, (request, reply) =>
    reply.type("text/plain").header("cache-control", "no-store").send(`${issueFirstbootToken(deps.store, installOf(request))}\n`),
  );

  app.post("/:node/progress", { schema: { params: nodeParams, headers: tokenHeaders, body: progressBody, response: { 200: okResponse } } }, (request) => {
    recordProgress(deps.store, installOf(request), request.body);
    return Promise.resolve({ ok: true });
  });

  app.post("/:node/log", { schema: { params: nodeParams, headers: tokenHeaders, response: { 200: okResponse } } }, async (request) => {
    await appendInstallLog(deps.home, installOf(request), typeof request.body === "string" ? request.body : JSON.stringify(request.body), deps.maxLogBytes);
    return { ok: true };
  });

  app.post("/:node/finish", { schema: { params: nodeParams, headers: tokenHeaders, body: finishBody, response: { 200: okResponse } } }, async (request) => {
    await finishInstall(deps, installOf(request), request.body);
    return { ok: true };
  });

  app.post("/:node/fail", { schema: { params: nodeParams, headers: tokenHeaders, body: failBody, response: { 200: okResponse } } }, async (request) => {
    await failInstall(deps, installOf(request), request.body);
    return { ok: true };
  });

  app.get("/:node/manifest", { schema: { params: nodeParams, headers: tokenHeaders, querystring: manifestQuery } }, async (request, reply) => {
    const install = installOf(request);
    // format=meta: every entry with mode, owner, size and hash or link target (a clone checked without an rsync walk).
    const list = await verifyLists.get(install.osimage, install.version, request.query.format ?? "sha256");
    return reply.type("text/plain").header("x-sysclone-files", String(list.files)).header("x-sysclone-skipped", String(list.skipped))
      .headers(signatureHeaders(deps.signingKey, "manifest", install, list.text)).send(list.text);
  });

  app.get("/:node/archive", { schema: { params: nodeParams, headers: tokenHeaders, querystring: archiveQuery } }, (request, reply) => {
    const install = installOf(request);
    // Each stream is a tar and a zstd: a bounded number at once; the others are told when to ask again.
    const release = archives.take();
    if (release === undefined) return reply.code(503).header("retry-after", "10").type("text/plain").send("busy: too many archive streams at once; retry\n");
    reply.raw.once("close", release);
    const controller = new AbortController();
    request.raw.on("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const compress = request.query.compress ?? "zstd";
    const root = path.join(deps.repository.versionDir(install.osimage, install.version), "root");
    const failed = (result: ArchiveResult): void => {
      if (!result.ok && !controller.signal.aborted) request.log.error(`archive of ${install.osimage} v${install.version} for ${install.node} failed: ${result.stderr}`);
    };
    const contentType = compress === "none" ? "application/x-tar" : "application/zstd";
    const socket = handoverSocket(request.raw.socket);
    if (socket) {
      sendArchiveOnSocket(reply, socket, { root, compress, contentType, signal: controller.signal, abort: () => controller.abort() }).then((result) => {
        failed(result);
        release();
      }, release);
      return reply;
    }
    const { stream, done } = streamArchive(root, controller.signal, compress);
    done.then(failed, () => undefined);
    return reply.type(contentType).header("cache-control", "no-store").send(stream);
  });
};
