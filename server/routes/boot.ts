import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyPluginAsyncJsonSchemaToTs } from "@fastify/type-provider-json-schema-to-ts";
import { RateLimiter } from "../../src/boot/rate-limit.js";
import { NetbootFiles } from "../../src/boot/netboot-files.js";
import { answerBoot, answerWithoutWrites, DEFAULT_BOOT_RATE, newBootState, type BootAnswer, type BootTemplate } from "../../src/boot/service.js";
import { renderTemplate } from "../../src/boot/template.js";
import { checkoutRoot } from "../../src/config/paths.js";
import { SyscloneError } from "../../src/errors/errors.js";
import type { InstallDeps } from "../../src/install/service.js";
import { publicKeyPem } from "../../src/install/signing.js";
import { clientAddress } from "../request.js";
import { inventoryBody } from "../schemas.js";
import { receiveBootInventory } from "../../src/boot/inventory-report.js";

const templateNames: readonly (BootTemplate | "boot")[] = ["boot", "install", "shell", "local", "discovered", "conflict", "problem"];

export async function loadBootTemplates(): Promise<Record<string, string>> {
  const dir = path.join(checkoutRoot(), "server", "templates");
  const entries = await Promise.all(templateNames.map(async (name) => [name, await readFile(path.join(dir, `${name}.ipxe`), "utf8")] as const));
  return Object.fromEntries(entries);
}

const bootQuery = {
  type: "object",
  properties: {
    mac: { type: "string", maxLength: 200 },
    uuid: { type: "string", maxLength: 64 },
    serial: { type: "string", maxLength: 128 },
    arch: { type: "string", maxLength: 32 },
    platform: { type: "string", maxLength: 32 },
  },
  additionalProperties: true,
} as const;

const imageParams = {
  type: "object",
  properties: { osimage: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$" }, file: { type: "string", enum: ["kernel", "initrd"] } },
  required: ["osimage", "file"],
  additionalProperties: false,
} as const;

/** The firmware's side: /boot.ipxe, /boot and the clone kernel and initrd. Unauthenticated by nature; answers follow the node's state. */
export const bootRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { deps: InstallDeps } }> = async (app, { deps }) => {
  const templates = await loadBootTemplates();
  const render = (name: string, data: Record<string, string>): string => renderTemplate(templates[name] ?? "", data);
  // Every answer but an install's (a new token each time) repeats: a node that boots its disk is told the same every
  // time, so the script is rendered once per distinct answer (a bounded table, emptied when full).
  const rendered = new Map<string, string>();
  const renderAnswer = (answer: BootAnswer): string => {
    if (answer.template === "install") return render(answer.template, answer.data);
    let key = answer.template;
    for (const name in answer.data) key += `\0${name}=${answer.data[name] ?? ""}`;
    let script = rendered.get(key);
    if (script === undefined) {
      script = render(answer.template, answer.data);
      if (rendered.size >= 10_000) rendered.clear();
      rendered.set(key, script);
    }
    return script;
  };

  // The public half of the signing key, for comparing with what an initrd carries and for virtual nodes; a clone initrd
  // never fetches it (it carries the key from initrd build), so serving it to anyone gives nothing away.
  const signingPublicKey = deps.signingKey ? publicKeyPem(deps.signingKey) : undefined;
  app.get("/signing-key.pem", (_request, reply) => {
    if (signingPublicKey === undefined) throw new SyscloneError("NOT_AVAILABLE", "this server signs nothing", { hint: "sysclone serve creates its signing key at start" });
    return reply.type("application/x-pem-file").send(signingPublicKey);
  });

  app.get("/boot.ipxe", (_request, reply) => reply.type("text/plain").header("cache-control", "no-store").send(render("boot", { server: deps.serverUrl })));

  const state = newBootState(deps.store);
  app.addHook("onClose", (_app, done) => {
    state.machines.close();
    done();
  });
  // A machine asks /boot.ipxe and /boot once a boot, then every retry period: a few a second is plenty for one address.
  const rate = deps.bootRatePerSecond ?? DEFAULT_BOOT_RATE;
  const perAddress = new RateLimiter(rate, Math.max(20, rate));
  app.addHook("onRequest", (request, reply, done) => {
    const from = clientAddress(request.ip);
    if (perAddress.take(from)) return done();
    void reply.code(429).header("retry-after", String(perAddress.retryAfter(from))).type("text/plain").send("too many requests from this address; retry later\n");
  });

  app.get("/boot", { schema: { querystring: bootQuery } }, (request, reply) => {
    const query = request.query;
    const report = {
      macs: (query.mac ?? "").split(/[\s,]+/).filter((m) => m !== "").slice(0, 16),
      ...(query.uuid !== undefined ? { uuid: query.uuid } : {}),
      ...(query.serial !== undefined ? { serial: query.serial } : {}),
    };
    // Most answers write nothing and leave without a transaction; the others commit their writes before answering.
    const answer = state.machines.within(() => answerWithoutWrites(deps, state, report)) ?? state.write(() => answerBoot(deps, state, report, clientAddress(request.ip)));
    return reply.type("text/plain").header("cache-control", "no-store").send(renderAnswer(answer));
  });

  // A shell boot (nodeset NODE shell) or a discovered machine reports its hardware: sysclone inventory shows it.
  app.post("/boot/inventory", { schema: { body: inventoryBody } }, (request) => {
    const { node, source } = receiveBootInventory(deps.store, state, request.body);
    return Promise.resolve({ ok: true, node, source });
  });

  const netbootFiles = new NetbootFiles();
  app.get("/images/:osimage/:file", { schema: { params: imageParams } }, async (request, reply) => {
    const file = path.join(deps.repository.imageDir(request.params.osimage), "netboot", request.params.file === "kernel" ? "kernel" : "initrd.img");
    const data = await netbootFiles.read(file);
    if (data === undefined) throw new SyscloneError("UNKNOWN_OBJECT", `no clone ${request.params.file} for osimage ${request.params.osimage}`, { hint: `sysclone initrd build ${request.params.osimage}` });
    return reply.type("application/octet-stream").send(data);
  });
};
