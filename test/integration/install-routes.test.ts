import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../server/app.js";
import { agentPath, resolveHome } from "../../src/config/paths.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { run } from "../../src/exec/runner.js";
import { ImageRepository } from "../../src/image/repository.js";
import { issueInstallToken, tokenSha256 } from "../../src/install/tokens.js";
import { loadOrCreateSigningKey, publicKeyPem, signatureHeader, signingKeyFile, verifyAnswer } from "../../src/install/signing.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
let app: FastifyInstance;
let token: string;
let signingKey: KeyObject;
let publicKey: KeyObject;

/** A captured image as the repository keeps it: one version with a layout, an image.json and a manifest of two files. */
async function writeImage(images: string): Promise<void> {
  const version = path.join(images, "img", "v1");
  await mkdir(path.join(version, "root"), { recursive: true });
  await writeFile(path.join(version, "layout.xml"), '<config>\n  <disk dev="/dev/sda" label_type="msdos" unit_of_measurement="MB">\n    <part num="1" size="*" p_type="primary" p_name="-" flags="-" />\n  </disk>\n  <fsinfo line="10" real_dev="/dev/sda1" mp="/" fs="ext4" options="defaults" dump="1" pass="1" />\n</config>\n');
  await writeFile(path.join(version, "image.json"), JSON.stringify({ name: "img", version: 1, sourceNode: "golden", capturedAt: "", root: "", kernels: [], runningKernel: "", sizeBytes: 4096, fileCount: 2, newBytes: 0, manifestSha256: "", excludes: [] }));
  const entry = (p: string, sha256: string) => JSON.stringify({ path: p, type: "f", mode: "0644", uid: 0, gid: 0, size: 1, sha256 });
  await writeFile(path.join(version, "manifest.jsonl"), `${entry("/etc/hostname", "1".repeat(64))}\n${entry("/etc/motd", "2".repeat(64))}\n`);
  await symlink("v1", path.join(images, "img", "current"));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-routes-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  store = Store.open(":memory:");
  for (const name of ["n01", "n02", "n03", "n04"]) store.createObject("node", name, { ...defaults("node"), osimage: "img" });
  store.createObject("osimage", "img", defaults("osimage"));
  await writeImage(home.images);
  token = issueInstallToken(store, "n01");
  signingKey = generateKeyPairSync("ed25519").privateKey;
  publicKey = createPublicKey(signingKey);
  app = await buildServer({
    store, repository: new ImageRepository(home.images), home, serverUrl: "http://10.0.0.1:8080", rsyncPort: 8873,
    serverKey: Buffer.alloc(32, 1), signingKey, postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
  });
});

afterAll(async () => {
  await app?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

const inventory = { disks: [{ name: "vda", sizeBytes: 1 << 30 }], nics: [{ name: "eth0", mac: "52:54:00:00:00:01" }], firmware: "bios" };

describe("install routes (inject, no port)", () => {
  it.each([
    // The token is checked before anything else, the body included: without it, every request is a 403.
    ["no token", "n01", undefined, inventory, 403],
    ["malformed token", "n01", "short", inventory, 403],
    ["unknown token", "n01", "B".repeat(43), inventory, 403],
    ["another node's token", "n02", "TOKEN", inventory, 403],
    ["bad node name", "n01;rm", "TOKEN", inventory, 403],
    ["bad MAC", "n01", "TOKEN", { ...inventory, nics: [{ name: "eth0", mac: "zz:54:00:00:00:01" }] }, 400],
    ["disk name with a slash", "n01", "TOKEN", { ...inventory, disks: [{ name: "../sda", sizeBytes: 1 }] }, 400],
    ["unknown field", "n01", "TOKEN", { ...inventory, extra: 1 }, 400],
  ])("refuses %s", async (_name, node, bearer, body, status) => {
    token = issueInstallToken(store, "n01");
    const response = await app.inject({
      method: "POST",
      url: `/install/${node}/inventory`,
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer === "TOKEN" ? token : bearer}` },
      payload: body,
    });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json<{ code: string }>().code).toBe(status === 403 ? "TOKEN_REFUSED" : "BAD_REQUEST");
    // A refused request changes nothing: the install is still live for the node to try again.
    expect(store.installs.latest("n01")?.state).toBe("issued");
  });

  it("records progress with a valid token and refuses the token once the install is over", async () => {
    token = issueInstallToken(store, "n01");
    const progress = await app.inject({ method: "POST", url: "/install/n01/progress", headers: { authorization: `Bearer ${token}` }, payload: { phase: "pull", percent: 42, bytes: 1000 } });
    expect(progress.statusCode, progress.body).toBe(200);
    expect(store.requireObject("node", "n01")).toMatchObject({ phase: "pull", percent: "42", bytes: "1000", state: "installing" });
    const finish = await app.inject({ method: "POST", url: "/install/n01/finish", headers: { authorization: `Bearer ${token}` }, payload: { verifiedFiles: 3 } });
    expect(finish.statusCode).toBe(200);
    expect(store.requireObject("node", "n01")).toMatchObject({ state: "installed", destiny: "boot" });
    const again = await app.inject({ method: "POST", url: "/install/n01/progress", headers: { authorization: `Bearer ${token}` }, payload: { phase: "pull" } });
    expect(again.statusCode).toBe(403);
    expect(again.json()).toMatchObject({ code: "TOKEN_REFUSED", message: "install token refused for n01: token already used" });
    // A repeated finish (its answer was lost) is answered ok and changes nothing.
    const repeated = await app.inject({ method: "POST", url: "/install/n01/finish", headers: { authorization: `Bearer ${token}` }, payload: { verifiedFiles: 3 } });
    expect(repeated.statusCode, repeated.body).toBe(200);
    expect(store.events({ node: "n01", limit: 5 }).filter((e) => e.kind === "finish")).toHaveLength(1);
  });

  it("records refused tokens as events, at most one a minute per source address", async () => {
    const refusedBefore = store.events({ limit: 1000 }).filter((e) => e.kind === "token-refused").length;
    for (let i = 0; i < 50; i++) {
      const response = await app.inject({ method: "POST", url: `/install/n${i}/progress`, remoteAddress: "10.9.9.9", headers: { authorization: `Bearer ${"C".repeat(43)}` }, payload: { phase: "pull" } });
      expect(response.statusCode).toBe(403);
    }
    expect(store.events({ limit: 1000 }).filter((e) => e.kind === "token-refused").length).toBe(refusedBefore + 1);
  });

  it("a token works only from the address it is bound to", async () => {
    const bound = issueInstallToken(store, "n02", "10.0.0.12");
    const elsewhere = await app.inject({ method: "POST", url: "/install/n02/progress", remoteAddress: "10.0.0.66", headers: { authorization: `Bearer ${bound}` }, payload: { phase: "pull" } });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json()).toMatchObject({ message: "install token refused for n02: used from 10.0.0.66, not from the machine it was issued to" });
    const home = await app.inject({ method: "POST", url: "/install/n02/progress", remoteAddress: "10.0.0.12", headers: { authorization: `Bearer ${bound}` }, payload: { phase: "pull" } });
    expect(home.statusCode, home.body).toBe(200);
    // A token issued by hand (sysclone bootargs) is bound to the first address that uses it.
    const byHand = issueInstallToken(store, "n02");
    expect((await app.inject({ method: "POST", url: "/install/n02/progress", remoteAddress: "10.0.0.13", headers: { authorization: `Bearer ${byHand}` }, payload: { phase: "pull" } })).statusCode).toBe(200);
    expect(store.installs.latest("n02")?.address).toBe("10.0.0.13");
    expect((await app.inject({ method: "POST", url: "/install/n02/progress", remoteAddress: "10.0.0.14", headers: { authorization: `Bearer ${byHand}` }, payload: { phase: "pull" } })).statusCode).toBe(403);
  });

  it("a server failure in a route ends the install as failed with its reason; a malformed body changes nothing and is not read before the token", async () => {
    const current = issueInstallToken(store, "n02", "10.0.0.12");
    const malformed = await app.inject({ method: "POST", url: "/install/n02/progress", remoteAddress: "10.0.0.12", headers: { authorization: `Bearer ${current}` }, payload: { phase: "Not A Phase" } });
    expect(malformed.statusCode).toBe(400);
    expect(store.installs.latest("n02")?.state).toBe("issued");
    // Planned onto an image version whose manifest is missing: the server cannot answer, and says so on the node.
    store.installs.planned(store.installs.latest("n02")?.id ?? 0, { osimage: "img", version: 9, inventory: "{}", plan: "{}", script: "" });
    const broken = await app.inject({ method: "GET", url: "/install/n02/manifest", remoteAddress: "10.0.0.12", headers: { authorization: `Bearer ${current}` } });
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toEqual({ code: "INTERNAL", message: "internal error; see the server log" });
    expect(store.installs.latest("n02")?.state).toBe("failed");
    expect(store.requireObject("node", "n02")).toMatchObject({ state: "failed", phase: "manifest" });
    expect(store.requireObject("node", "n02")["lasterror"]).toMatch(/^manifest: internal error on the server: ENOENT/);
    const huge = await app.inject({ method: "POST", url: "/install/n02/log", remoteAddress: "10.0.0.12", headers: { authorization: `Bearer ${"D".repeat(43)}`, "content-type": "text/plain" }, payload: "x".repeat(4 * 1024 * 1024) });
    expect(huge.statusCode).toBe(403);
  });

  it("a newer boot's token replaces the older one", async () => {
    const first = issueInstallToken(store, "n02");
    const second = issueInstallToken(store, "n02");
    const old = await app.inject({ method: "POST", url: "/install/n02/progress", headers: { authorization: `Bearer ${first}` }, payload: { phase: "pull" } });
    expect(old.statusCode).toBe(403);
    expect(old.json()).toMatchObject({ message: expect.stringContaining("replaced by a newer boot") as unknown });
    const current = await app.inject({ method: "POST", url: "/install/n02/progress", headers: { authorization: `Bearer ${second}` }, payload: { phase: "pull" } });
    expect(current.statusCode).toBe(200);
  });
});

/** A node's plan and its verify list, asked for as the clone client does, with their signature headers. */
async function planAndManifest(node: string, bearer: string) {
  const auth = { authorization: `Bearer ${bearer}` };
  const plan = await app.inject({ method: "POST", url: `/install/${node}/inventory`, headers: auth, payload: { ...inventory, targetDirectory: `/srv/nodes/${node}` } });
  expect(plan.statusCode, plan.body).toBe(200);
  const manifest = await app.inject({ method: "GET", url: `/install/${node}/manifest`, headers: auth });
  expect(manifest.statusCode, manifest.body).toBe(200);
  return {
    plan: { body: plan.rawPayload, signature: String(plan.headers[signatureHeader]) },
    manifest: { body: manifest.rawPayload, signature: String(manifest.headers[signatureHeader]) },
  };
}

describe("signed answers: the plan and the verify list", () => {
  it("publishes the public half of the signing key, and only that", async () => {
    const response = await app.inject({ method: "GET", url: "/signing-key.pem" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(publicKeyPem(signingKey));
    expect(response.body).toContain("BEGIN PUBLIC KEY");
    expect(response.body).not.toContain("PRIVATE");
  });

  it("signs the plan and the manifest for this node and this boot's token, and nothing else", async () => {
    const bearer = issueInstallToken(store, "n03");
    const answers = await planAndManifest("n03", bearer);
    const n03 = { node: "n03", tokenSha256: tokenSha256(bearer) };
    expect(answers.plan.body.toString()).toContain("sc_verify_begin http://10.0.0.1:8080/install/n03/manifest /srv/nodes/n03 yes");
    expect(answers.manifest.body.toString()).toBe(`${"1".repeat(64)}  ./etc/hostname\n${"2".repeat(64)}  ./etc/motd\n`);
    expect(verifyAnswer(publicKey, "plan", n03, answers.plan.body, answers.plan.signature)).toBe(true);
    expect(verifyAnswer(publicKey, "manifest", n03, answers.manifest.body, answers.manifest.signature)).toBe(true);
    // The manifest with every entry's metadata (what a clone is checked against beside the copy) is signed alike.
    const meta = await app.inject({ method: "GET", url: "/install/n03/manifest?format=meta", headers: { authorization: `Bearer ${bearer}` } });
    expect(meta.statusCode, meta.body).toBe(200);
    expect(meta.body.split("\n").filter((line) => line.startsWith("f\t"))).toEqual([
      expect.stringMatching(new RegExp(`^f\t\\d{4}\t\\d+\t\\d+\t\\d+\t${"1".repeat(64)}\t\\./etc/hostname$`)),
      expect.stringMatching(new RegExp(`^f\t\\d{4}\t\\d+\t\\d+\t\\d+\t${"2".repeat(64)}\t\\./etc/motd$`)),
    ]);
    expect(verifyAnswer(publicKey, "manifest", n03, meta.rawPayload, String(meta.headers[signatureHeader]))).toBe(true);
    const bogus = await app.inject({ method: "GET", url: "/install/n03/manifest?format=bogus", headers: { authorization: `Bearer ${bearer}` } });
    expect(bogus.statusCode).toBe(400);
    // Not for another node, another boot of this one, or the other kind of answer.
    expect(verifyAnswer(publicKey, "plan", { ...n03, node: "n04" }, answers.plan.body, answers.plan.signature)).toBe(false);
    expect(verifyAnswer(publicKey, "plan", { ...n03, tokenSha256: tokenSha256(token) }, answers.plan.body, answers.plan.signature)).toBe(false);
    expect(verifyAnswer(publicKey, "manifest", n03, answers.plan.body, answers.plan.signature)).toBe(false);
  });

  it("the clone client's own check (agent/clone/lib.sh, openssl) takes a signed answer and refuses an altered, unsigned, replayed or foreign one", async () => {
    const bearer = issueInstallToken(store, "n04");
    const answers = await planAndManifest("n04", bearer);
    const work = await mkdtemp(path.join(tmpdir(), "sysclone-sigcheck-"));
    try {
      const keyFile = path.join(work, "signing.pub");
      await writeFile(keyFile, publicKeyPem(signingKey));
      const foreignKey = path.join(work, "foreign.pub");
      await writeFile(foreignKey, publicKeyPem(generateKeyPairSync("ed25519").privateKey));
      /** Runs sc_check_signature in sh as the client does: body and wget -S style headers in files. */
      const check = async (kind: string, body: Buffer, signature: string | undefined, env: { node?: string; token?: string; key?: string } = {}) => {
        await writeFile(path.join(work, "body"), body);
        await writeFile(path.join(work, "headers"), `  HTTP/1.1 200 OK\n  Content-Type: text/plain\n${signature === undefined ? "" : `  X-Sysclone-Signature: ${signature}\n`}`);
        const result = await run("env", [
          "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "SC_SERVER=http://10.0.0.1:8080", `SC_NODE=${env.node ?? "n04"}`, `SC_TOKEN=${env.token ?? bearer}`, `SC_WORK=${work}`,
          `SC_SIGNING_KEY=${env.key ?? keyFile}`, `SC_LIB=${agentPath(path.join("clone", "lib.sh"))}`,
          "sh", "-c", '. "$SC_LIB"; sc_check_signature "$1" "$SC_WORK/body" "$SC_WORK/headers"', "check", kind,
        ]);
        return { code: result.exitCode, stderr: result.stderrTail };
      };
      expect(await check("plan", answers.plan.body, answers.plan.signature)).toMatchObject({ code: 0 });
      expect(await check("manifest", answers.manifest.body, answers.manifest.signature)).toMatchObject({ code: 0 });
      const altered = Buffer.from(answers.plan.body.toString().replace("set -eu\n", "set -eu\ntouch /tmp/pwned\n"));
      const refusals = [
        await check("plan", altered, answers.plan.signature),
        await check("manifest", Buffer.from(answers.manifest.body.toString().split("\n").slice(1).join("\n")), answers.manifest.signature),
        await check("manifest", answers.plan.body, answers.plan.signature),
        await check("plan", answers.plan.body, answers.plan.signature, { node: "n03" }),
        await check("plan", answers.plan.body, answers.plan.signature, { token: token }),
        await check("plan", answers.plan.body, answers.plan.signature, { key: foreignKey }),
        await check("plan", answers.plan.body, "bm90IGEgc2lnbmF0dXJl"),
      ];
      for (const refusal of refusals) {
        expect(refusal.code).toBe(2);
        expect(refusal.stderr).toMatch(/fails its signature check: refusing it/);
      }
      const unsigned = await check("plan", answers.plan.body, undefined);
      expect(unsigned.code).toBe(2);
      expect(unsigned.stderr).toContain("is not signed: refusing it");
      const noKey = await check("plan", answers.plan.body, answers.plan.signature, { key: path.join(work, "absent.pub") });
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toContain("no server signing key");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("a repeated finish (the node did not hear the answer) is ok and records nothing twice", async () => {
    const bearer = issueInstallToken(store, "n02");
    const auth = { authorization: `Bearer ${bearer}` };
    const first = await app.inject({ method: "POST", url: "/install/n02/finish", headers: auth, payload: { verifiedFiles: 2 } });
    expect(first.statusCode, first.body).toBe(200);
    const again = await app.inject({ method: "POST", url: "/install/n02/finish", headers: auth, payload: { verifiedFiles: 2 } });
    expect(again.statusCode, again.body).toBe(200);
    expect(store.events({ node: "n02", limit: 20 }).filter((e) => e.kind === "finish")).toHaveLength(1);
    // The finished token opens nothing else.
    const progress = await app.inject({ method: "POST", url: "/install/n02/progress", headers: auth, payload: { phase: "pull" } });
    expect(progress.statusCode).toBe(403);
  });
});

describe("the server's signing key file", () => {
  it("is made on first use (mode 600), then read back the same by every user, even two at once", async () => {
    const state = await mkdtemp(path.join(tmpdir(), "sysclone-signkey-"));
    try {
      const file = signingKeyFile(state);
      const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(file)));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const pems = new Set(keys.map(publicKeyPem));
      expect(pems.size).toBe(1);
      expect(publicKeyPem(await loadOrCreateSigningKey(file))).toBe([...pems][0]);
      expect(await readFile(file, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it.each([
    ["not a key", "hello\n"],
    ["an RSA key", generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()],
  ])("refuses a file holding %s, leaving it in place", async (_name, content) => {
    const state = await mkdtemp(path.join(tmpdir(), "sysclone-signkey-"));
    try {
      await writeFile(signingKeyFile(state), content, { mode: 0o600 });
      const error: unknown = await loadOrCreateSigningKey(signingKeyFile(state)).catch((e: unknown) => e);
      expect(isSyscloneError(error) && error.code).toBe("BAD_SIGNING_KEY");
      expect(await readFile(signingKeyFile(state), "utf8")).toBe(content);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });
});
