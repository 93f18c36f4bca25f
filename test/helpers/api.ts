import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../server/app.js";
import { issueToken, addUser, setPassword } from "../../src/auth/accounts.js";
import { localRoot } from "../../src/audit/record.js";
import { resolveHome, type SyscloneHome } from "../../src/config/paths.js";
import { ImageRepository } from "../../src/image/repository.js";
import { installLogFile } from "../../src/install/service.js";
import { issueInstallToken } from "../../src/install/tokens.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

/** The roles of the matrix: an admin, an operator in rack1 (n01's scope), one in rack2 only, and an unscoped viewer. */
export const roleNames = ["admin", "opIn", "opOut", "viewer"] as const;
export type RoleName = (typeof roleNames)[number];

export interface ApiFixture {
  readonly dir: string;
  readonly home: SyscloneHome;
  readonly store: Store;
  readonly app: FastifyInstance;
  /** An active API token per role. */
  readonly tokens: Record<RoleName, string>;
  /** Tokens of the viewer that no longer work. */
  readonly expiredToken: string;
  readonly revokedToken: string;
  /** A token of the user "spare" (its id, for DELETE /tokens/:id). */
  readonly spareTokenId: number;
  close(): Promise<void>;
}

const layoutXml = '<config>\n  <disk dev="/dev/sda" label_type="msdos" unit_of_measurement="MB">\n    <part num="1" size="*" p_type="primary" p_name="-" flags="-" />\n  </disk>\n  <fsinfo line="10" real_dev="/dev/sda1" mp="/" fs="ext4" options="defaults" dump="1" pass="1" />\n</config>\n';

const entry = (p: string, sha: string, size = 1) => JSON.stringify({ path: p, type: "f", mode: "0644", uid: 0, gid: 0, size, sha256: sha.repeat(64) });

/** osimage img, v1 and v2 (current): v2 changes /etc/motd, adds /etc/issue and drops /etc/old. */
async function writeImage(home: SyscloneHome, store: Store): Promise<void> {
  const manifests: Record<number, string[]> = {
    1: [entry("/etc/hostname", "1"), entry("/etc/motd", "2"), entry("/etc/old", "3")],
    2: [entry("/etc/hostname", "1"), entry("/etc/motd", "4", 2), entry("/etc/issue", "5")],
  };
  for (const version of [1, 2]) {
    const dir = path.join(home.images, "img", `v${version}`);
    await mkdir(path.join(dir, "root"), { recursive: true });
    await writeFile(path.join(dir, "layout.xml"), layoutXml);
    const capturedAt = `2026-11-0${version}T10:00:00.000Z`;
    await writeFile(path.join(dir, "image.json"), JSON.stringify({ name: "img", version, sourceNode: "golden", capturedAt, root: "", kernels: [], runningKernel: "", sizeBytes: 4096 * version, fileCount: 3, newBytes: 0, manifestSha256: "", excludes: [] }));
    await writeFile(path.join(dir, "manifest.jsonl"), `${(manifests[version] ?? []).join("\n")}\n`);
    store.addImageVersion({ osimage: "img", version, sourceNode: "golden", capturedAt, kernel: "", sizeBytes: 4096 * version, fileCount: 3, newBytes: 0, manifestSha256: "" });
  }
  await symlink("v2", path.join(home.images, "img", "current"));
  store.updateObject("osimage", "img", { currentversion: "2" });
}

const inventory = { disks: [{ name: "vda", sizeBytes: 8 * 1024 ** 3 }], nics: [{ name: "eth0", mac: "52:54:00:00:00:01" }], firmware: "bios" };

/**
 * A store and a server for API tests: nodes n01 n02 (rack1), n03 n04 (rack2), db01 (rack1,
 * protected), b001…b060 (group big, in rack1), a discovered machine discovered-525400000099 (in no
 * group), osimage img; n01 has a live install with an
 * inventory and a log. `file`: a database file (another connection can write to it) instead of memory.
 */
export async function apiFixture(options: { file?: boolean; passwords?: boolean } = {}): Promise<ApiFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-api-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  await mkdir(home.state, { recursive: true });
  const store = Store.open(options.file === true ? path.join(home.state, "sysclone.db") : ":memory:");
  store.createObject("osimage", "img", defaults("osimage"));
  store.createObject("group", "rack1", defaults("group"));
  store.createObject("group", "rack2", defaults("group"));
  const node = (name: string, groups: string, extra: Record<string, string> = {}) => store.createObject("node", name, { ...defaults("node"), groups, osimage: "img", ...extra });
  node("n01", "rack1");
  node("n02", "rack1");
  node("n03", "rack2");
  node("n04", "rack2");
  node("db01", "rack1", { protected: "yes", protectreason: "production database" });
  for (let i = 1; i <= 60; i++) node(`b${String(i).padStart(3, "0")}`, "big,rack1");
  store.createObject("node", "discovered-525400000099", { ...defaults("node"), mac: "52:54:00:00:00:99", uuid: "4c4c4544-0000-1000-8000-000000000099", state: "discovered" });
  await writeImage(home, store);
  issueInstallToken(store, "n01", "10.0.0.21");
  const install = store.installs.latest("n01");
  if (!install) throw new Error("no install");
  store.installs.planned(install.id, { osimage: "img", version: 2, inventory: JSON.stringify(inventory), plan: "{}", script: "" });
  await mkdir(path.dirname(installLogFile(home, install)), { recursive: true });
  await writeFile(installLogFile(home, install), "partition: ok\npull: 42%\n");
  store.addEvent({ kind: "progress", node: "n01", osimage: "img", message: "pull 42%" });
  store.addEvent({ kind: "progress", node: "n03", osimage: "img", message: "pull 10%" });

  const user = (name: string, role: "admin" | "operator" | "viewer", groups: string[]) => addUser(store, { name, role, groups, expiresAt: "" }, localRoot).token.token;
  const tokens: Record<RoleName, string> = {
    admin: user("alice", "admin", []),
    opIn: user("olga", "operator", ["rack1"]),
    opOut: user("otto", "operator", ["rack2"]),
    viewer: user("vera", "viewer", []),
  };
  user("spare", "viewer", []);
  const spareTokenId = issueToken(store, "spare", "", localRoot).id;
  const expiredToken = issueToken(store, "vera", "2020-01-01T00:00:00.000Z", localRoot).token;
  const revoked = issueToken(store, "vera", "", localRoot);
  store.users.revokeToken(revoked.id, new Date().toISOString());
  if (options.passwords === true) {
    for (const name of ["alice", "olga", "otto", "vera"]) await setPassword(store, name, `${name}-secret-pw`, localRoot);
  }
  const app = await buildServer({
    store, repository: new ImageRepository(home.images), home, serverUrl: "http://127.0.0.1:8080", rsyncPort: 8873,
    serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
  });
  return {
    dir, home, store, app, tokens, expiredToken, revokedToken: revoked.token, spareTokenId,
    async close() {
      await app.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Everything a refused request must leave as it was: objects, installs, users, tokens, audit and events. */
export function storeSnapshot(store: Store): string {
  return JSON.stringify({
    nodes: store.listObjects("node"),
    groups: store.listObjects("group"),
    osimages: store.listObjects("osimage"),
    installs: store.installs.live().map((install) => [install.id, install.state]),
    users: store.users.list(),
    tokens: store.users.tokens().map((token) => [token.id, token.revokedAt]),
    audit: store.audit.list().length,
    events: store.events({ limit: 1 })[0]?.id ?? 0,
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
