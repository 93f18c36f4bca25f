import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import {
  appendInstallLog,
  authenticate,
  failInstall,
  finishInstall,
  joinMulticast,
  renderMulticastAnswer,
  receiveInventory,
  recordProgress,
  type InstallDeps,
} from "../../src/install/service.js";
import { issueFirstbootToken } from "../../src/install/firstboot.js";
import { verifyList } from "../../src/install/verify-list.js";
import { streamArchive } from "../../src/exec/archive.js";
import type { InstallRecord } from "../../src/store/installs.js";
import { bearerToken, failBody, finishBody, inventoryBody, nodeParams, okResponse, progressBody, tokenHeaders } from "../schemas.js";

declare module "fastify" {
  interface FastifyRequest {
    install?: InstallRecord;
  }
}

function installOf(request: { install?: InstallRecord }): InstallRecord {
  if (!request.install) throw new Error("install route reached without authentication");
  return request.install;
}

/** POST /install/:node/… — every call carries the node's per-boot token. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify plugins are async by contract
export const installRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { deps: InstallDeps } }> = async (app, { deps }) => {
  app.decorateRequest("install", undefined);
  app.addHook("preHandler", (request, _reply, done) => {
    const params = request.params as { node: string };
    try {
      request.install = authenticate(deps.store, params.node, bearerToken(request.headers.authorization));
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  app.addContentTypeParser("text/plain", { parseAs: "string", bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  app.post("/:node/inventory", { schema: { params: nodeParams, headers: tokenHeaders, body: inventoryBody } }, async (request, reply) => {
    const { script, rsyncPassword } = await receiveInventory(deps, installOf(request), request.body);
    return reply.type("text/x-shellscript").header("x-sysclone-rsync-password", rsyncPassword).header("cache-control", "no-store").send(script);
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
    await appendInstallLog(deps.home, installOf(request), typeof request.body === "string" ? request.body : JSON.stringify(request.body));
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

  app.get("/:node/manifest", { schema: { params: nodeParams, headers: tokenHeaders } }, async (request, reply) => {
    const install = installOf(request);
    const manifest = await readFile(path.join(deps.repository.versionDir(install.osimage, install.version), "manifest.jsonl"), "utf8");
    const list = verifyList(manifest);
    return reply.type("text/plain").header("x-sysclone-files", String(list.files)).header("x-sysclone-skipped", String(list.skipped)).send(list.text);
  });

  app.get("/:node/archive", { schema: { params: nodeParams, headers: tokenHeaders } }, (request, reply) => {
    const install = installOf(request);
    const controller = new AbortController();
    request.raw.on("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const { stream, done } = streamArchive(path.join(deps.repository.versionDir(install.osimage, install.version), "root"), controller.signal);
    done.then(
      (result) => {
        if (!result.ok && !controller.signal.aborted) request.log.error(`archive of ${install.osimage} v${install.version} for ${install.node} failed: ${result.stderr}`);
      },
      () => undefined,
    );
    return reply.type("application/zstd").header("cache-control", "no-store").send(stream);
  });
};
