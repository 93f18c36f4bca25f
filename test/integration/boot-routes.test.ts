import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../server/app.js";
import { resolveHome } from "../../src/config/paths.js";
import { ImageRepository } from "../../src/image/repository.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;
let app: FastifyInstance;
const server = "http://10.0.0.1:8080";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-boot-"));
  const home = resolveHome({ SYSCLONE_HOME: dir });
  store = Store.open(":memory:");
  store.createObject("osimage", "rocky9", defaults("osimage"));
  await mkdir(path.join(home.images, "rocky9", "netboot"), { recursive: true });
  await writeFile(path.join(home.images, "rocky9", "netboot", "kernel"), "KERNEL");
  await writeFile(path.join(home.images, "rocky9", "netboot", "initrd.img"), "INITRD");
  store.createObject("osimage", "bare", defaults("osimage"));
  app = await buildServer({
    store, repository: new ImageRepository(home.images), home, serverUrl: server, rsyncPort: 8873,
    serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
  });
});

afterAll(async () => {
  await app?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function boot(query: string): Promise<string> {
  const response = await app.inject({ method: "GET", url: `/boot?${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.body;
}

describe("/boot follows each machine's state", () => {
  it("serves /boot.ipxe, which reports MAC, UUID and serial", async () => {
    const response = await app.inject({ method: "GET", url: "/boot.ipxe" });
    expect(response.body).toContain(`chain --autofree ${server}/boot?mac=\${netX/mac:hexhyp}&uuid=\${uuid}&serial=\${serial:uristring}`);
  });

  it("records an unknown machine as discovered, then installs it once a node takes its MAC, then boots it locally", async () => {
    const unknown = await boot("mac=52-54-00-aa-00-01&uuid=4c4c4544-0000-0000-0000-0000000000a1&serial=SNA1");
    expect(unknown).toContain("recorded as discovered-525400aa0001");
    expect(store.requireObject("node", "discovered-525400aa0001")).toMatchObject({ state: "discovered", mac: "52:54:00:aa:00:01", serial: "SNA1" });
    expect(await boot("mac=52-54-00-aa-00-01")).toContain("recorded as discovered-525400aa0001");

    store.createObject("node", "n07", { ...defaults("node"), mac: "52:54:00:aa:00:01", osimage: "rocky9", destiny: "install" });
    const install = await boot("mac=52-54-00-aa-00-01&uuid=4c4c4544-0000-0000-0000-0000000000a1&serial=SNA1");
    expect(install).toContain(`kernel ${server}/images/rocky9/kernel`);
    expect(install).toMatch(/sysclone\.node=n07 sysclone\.token=[A-Za-z0-9_-]{43} /);
    expect(store.getObject("node", "discovered-525400aa0001")).toBeUndefined();
    expect(store.requireObject("node", "n07")).toMatchObject({ uuid: "4c4c4544-0000-0000-0000-0000000000a1", serial: "SNA1", state: "ready" });

    // Each PXE boot gets a fresh token; the earlier one stops working.
    const second = await boot("mac=52-54-00-aa-00-01");
    const tokens = [install, second].map((text) => /sysclone\.token=(\S+)/.exec(text)?.[1]);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(store.installs.live().filter((i) => i.node === "n07")).toHaveLength(1);

    store.updateObject("node", "n07", { state: "installed", destiny: "boot" });
    const local = await boot("mac=52-54-00-aa-00-01");
    expect(local).toContain("exit");
    expect(local).not.toContain("kernel");
  });

  it("keeps a wipe chain through the install token, boots a maintenance shell for destiny shell, and records local boots", async () => {
    store.createObject("node", "n20", { ...defaults("node"), mac: "52:54:00:aa:00:20", osimage: "rocky9", destiny: "wipe,install" });
    const install = await boot("mac=52-54-00-aa-00-20");
    expect(install).toMatch(/sysclone\.node=n20 sysclone\.token=/);
    expect(store.requireObject("node", "n20")["destiny"]).toBe("wipe,install");

    store.updateObject("node", "n20", { destiny: "shell" });
    const shell = await boot("mac=52-54-00-aa-00-20");
    expect(shell).toContain(`kernel ${server}/images/rocky9/kernel`);
    expect(shell).toContain("sysclone.node=n20 sysclone.action=shell");
    expect(shell).not.toContain("sysclone.token");

    store.updateObject("node", "n20", { destiny: "boot", state: "booted" });
    expect(await boot("mac=52-54-00-aa-00-20")).toContain("booting from the local disk");
    expect(store.events({ node: "n20" }).map((e) => e.message)).toEqual(expect.arrayContaining(["PXE boot: installing rocky9", "PXE boot: maintenance shell", "PXE boot: local disk (booted)"]));
  });

  it("replaces failed hardware: a node given a new MAC is that machine from then on", async () => {
    store.createObject("node", "n08", { ...defaults("node"), mac: "52:54:00:aa:00:08", osimage: "rocky9", destiny: "boot", state: "installed" });
    store.updateObject("node", "n08", { mac: "52:54:00:bb:00:08", destiny: "install" });
    expect(await boot("mac=52-54-00-aa-00-08")).toContain("recorded as discovered-525400aa0008");
    expect(await boot("mac=52-54-00-bb-00-08")).toContain("sysclone.node=n08");
  });

  it("reports two nodes claiming one machine and installs neither", async () => {
    store.createObject("node", "twin1", { ...defaults("node"), serial: "DUP-1", osimage: "rocky9", destiny: "install" });
    store.createObject("node", "twin2", { ...defaults("node"), serial: "DUP-1", osimage: "rocky9", destiny: "install" });
    const answer = await boot("mac=52-54-00-cc-00-01&serial=DUP-1");
    expect(answer).toContain("matches more than one node (twin1, twin2)");
    expect(answer).not.toContain("kernel");
    expect(store.events({ limit: 5 }).some((e) => e.kind === "identity-conflict")).toBe(true);
  });

  it("two boxes with one DMI UUID: the first learns the node's MAC, the second is a duplicate, and neither is installed", async () => {
    const uuid = "4c4c4544-0000-0000-0000-0000000000d1";
    store.createObject("node", "dup01", { ...defaults("node"), uuid, osimage: "rocky9", destiny: "install" });
    const first = await boot(`mac=52-54-00-dd-00-01&uuid=${uuid}`);
    expect(first).toMatch(/sysclone\.node=dup01 sysclone\.token=/);
    expect(store.requireObject("node", "dup01")["mac"]).toBe("52:54:00:dd:00:01");
    expect(store.installs.latest("dup01")?.state).toBe("issued");

    const second = await boot(`mac=52-54-00-dd-00-02&uuid=${uuid}`);
    expect(second).toContain("sysclone: this machine claims dup01 by its uuid, but dup01 has another MAC; nothing is installed");
    expect(second).toContain("if this box is dup01: chdef dup01 mac=52:54:00:dd:00:02");
    expect(second).not.toContain("kernel");
    // The first box's install is stopped too: nobody can tell which box is dup01.
    expect(store.installs.latest("dup01")?.state).toBe("revoked");
    expect(store.requireObject("node", "dup01")).toMatchObject({ destiny: "boot", state: "failed" });
    expect(store.events({ node: "dup01", limit: 1 })[0]?.message).toBe(
      "a machine (52:54:00:dd:00:02) claims dup01 by its uuid, but dup01 has MAC 52:54:00:dd:00:01: two machines share one identity; not installing: its install under way is revoked, its install is cancelled (chdef mac=, then nodeset again)",
    );
    expect(await boot(`mac=52-54-00-dd-00-01&uuid=${uuid}`)).toContain("booting from the local disk");
    expect(store.getObject("node", "discovered-525400dd0002")).toBeUndefined();
  });

  it("says what is missing when the image has no clone initrd, instead of booting a broken install", async () => {
    store.createObject("node", "n09", { ...defaults("node"), mac: "52:54:00:aa:00:09", osimage: "bare", destiny: "install" });
    const answer = await boot("mac=52-54-00-aa-00-09");
    expect(answer).toContain("osimage bare has no clone initrd (sysclone initrd build bare)");
    expect(store.requireObject("node", "n09")["lasterror"]).toContain("sysclone initrd build bare");
  });

  it("serves the clone kernel and initrd, and refuses names with ../", async () => {
    expect((await app.inject({ method: "GET", url: "/images/rocky9/kernel" })).body).toBe("KERNEL");
    expect((await app.inject({ method: "GET", url: "/images/rocky9/initrd" })).body).toBe("INITRD");
    expect((await app.inject({ method: "GET", url: "/images/..%2Fetc/kernel" })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: "/images/bare/kernel" })).statusCode).toBe(404);
  });
});
