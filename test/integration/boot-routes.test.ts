import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
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

async function boot(query: string, remoteAddress = "127.0.0.1"): Promise<string> {
  const response = await app.inject({ method: "GET", url: `/boot?${query}`, remoteAddress });
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
    // A machine looping through PXE is answered every time but writes one local-boot event a minute, not one per request.
    for (let i = 0; i < 3; i++) expect(await boot("mac=52-54-00-aa-00-20", "127.0.0.20")).toContain("booting from the local disk");
    expect(store.events({ node: "n20" }).filter((e) => e.message.startsWith("PXE boot: local disk"))).toHaveLength(1);
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

  it("two boxes with one DMI UUID: the first learns the node's MAC, the second is a duplicate and changes nothing of the node", async () => {
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
    // /boot is unauthenticated: a box that only claims the UUID may not cancel or revoke the node's install.
    expect(store.installs.latest("dup01")?.state).toBe("issued");
    expect(store.requireObject("node", "dup01")).toMatchObject({ destiny: "install", state: "ready" });
    expect(store.events({ node: "dup01", limit: 1 })[0]?.message).toBe(
      "a machine (52:54:00:dd:00:02) claims dup01 by its uuid, but dup01 has MAC 52:54:00:dd:00:01: two machines share one identity; not installing it (if it is dup01: chdef dup01 mac=52:54:00:dd:00:02)",
    );
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

  it("serves a rebuilt initrd at once, though it keeps the files in memory", async () => {
    const initrd = path.join(resolveHome({ SYSCLONE_HOME: dir }).images, "rocky9", "netboot", "initrd.img");
    const get = async (): Promise<string> => (await app.inject({ method: "GET", url: "/images/rocky9/initrd", remoteAddress: "10.9.0.1" })).body;
    expect(await Promise.all([get(), get(), get()])).toEqual(["INITRD", "INITRD", "INITRD"]);
    await writeFile(`${initrd}.new`, "REBUILT INITRD");
    await rename(`${initrd}.new`, initrd);
    expect(await get()).toBe("REBUILT INITRD");
    await writeFile(initrd, "INITRD");
    expect(await get()).toBe("INITRD");
  });

  it("follows a change another process commits (nodeset at the shell) on the next request", async () => {
    const file = path.join(dir, "shared.db");
    const served = Store.open(file);
    const shell = Store.open(file);
    const sharedApp = await buildServer({
      store: served, repository: new ImageRepository(resolveHome({ SYSCLONE_HOME: dir }).images), home: resolveHome({ SYSCLONE_HOME: dir }), serverUrl: server, rsyncPort: 8873,
      serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(),
    });
    try {
      served.createObject("osimage", "rocky9", defaults("osimage"));
      served.createObject("node", "s01", { ...defaults("node"), mac: "52:54:00:ab:00:01", osimage: "rocky9", destiny: "boot", state: "installed" });
      const ask = async (): Promise<string> => (await sharedApp.inject({ method: "GET", url: "/boot?mac=52-54-00-ab-00-01" })).body;
      expect(await ask()).toContain("booting from the local disk");
      shell.updateObject("node", "s01", { destiny: "install" });
      expect(await ask()).toMatch(/sysclone\.node=s01 sysclone\.token=/);
      shell.updateObject("node", "s01", { mac: "52:54:00:ab:00:02" });
      expect(await ask()).toContain("recorded as discovered-525400ab0001");
    } finally {
      await sharedApp.close();
      served.close();
      shell.close();
    }
  });
});

describe("/boot as an attacker on the provisioning LAN finds it", () => {
  const tokenOf = (script: string): string | undefined => /sysclone\.token=(\S+)/.exec(script)?.[1];

  it("does not re-issue or revoke the token of an install under way when another address sends the node's MAC", async () => {
    store.createObject("node", "a01", { ...defaults("node"), mac: "52:54:00:ee:00:01", osimage: "rocky9", destiny: "install" });
    const real = tokenOf(await boot("mac=52-54-00-ee-00-01", "10.1.0.1"));
    expect(real).toBeDefined();
    const attacker = await boot("mac=52-54-00-ee-00-01", "10.1.0.66");
    expect(attacker).not.toContain("sysclone.token");
    expect(attacker).toContain("its install is under way on another machine");
    expect(store.installs.latest("a01")).toMatchObject({ state: "issued", address: "10.1.0.1" });
    expect(store.events({ node: "a01", limit: 1 })[0]).toMatchObject({ kind: "boot-refused" });
    // The real machine rebooting mid-clone gets a fresh token; the old one stops working.
    const again = tokenOf(await boot("mac=52-54-00-ee-00-01", "10.1.0.1"));
    expect(again).toBeDefined();
    expect(again).not.toBe(real);
    // Once the install has ended, the node can be installed from wherever it now is.
    store.installs.end(store.installs.latest("a01")?.id ?? 0, "failed");
    expect(await boot("mac=52-54-00-ee-00-01", "10.1.0.2")).toContain("sysclone.token=");
  });

  it("gives a node with an ip tokens only for requests from that address", async () => {
    store.createObject("node", "a02", { ...defaults("node"), mac: "52:54:00:ee:00:02", ip: "10.1.0.12", osimage: "rocky9", destiny: "install" });
    const elsewhere = await boot("mac=52-54-00-ee-00-02", "10.1.0.66");
    expect(elsewhere).toContain("this request does not come from the address of the node (ip=10.1.0.12)");
    expect(store.installs.latest("a02")).toBeUndefined();
    expect(await boot("mac=52-54-00-ee-00-02", "10.1.0.12")).toContain("sysclone.node=a02 sysclone.token=");
  });

  it("rate-limits /boot per source address: a flood gets 429 with Retry-After, other addresses are still served", async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => app.inject({ method: "GET", url: "/boot?mac=52-54-00-ee-00-99", remoteAddress: "10.1.0.77" })));
    const limited = answers.filter((r) => r.statusCode === 429);
    expect(limited.length).toBeGreaterThanOrEqual(35);
    expect(limited[0]?.headers["retry-after"]).toMatch(/^\d+$/);
    expect(answers.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(20);
    expect((await app.inject({ method: "GET", url: "/boot?mac=52-54-00-ee-00-99", remoteAddress: "10.1.0.78" })).statusCode).toBe(200);
  });

  it("R9: a storm of 1,000 /boot requests from 1,000 addresses, known and unknown machines: no errors, discovered records capped, memory bounded", async () => {
    const storm = Store.open(":memory:");
    const home = resolveHome({ SYSCLONE_HOME: dir });
    storm.createObject("osimage", "rocky9", defaults("osimage"));
    for (let n = 0; n < 200; n++) {
      const hex = n.toString(16).padStart(4, "0");
      storm.createObject("node", `k${n}`, { ...defaults("node"), mac: `52:54:00:77:${hex.slice(0, 2)}:${hex.slice(2)}`, osimage: "rocky9", destiny: n % 2 === 0 ? "install" : "boot", state: n % 2 === 0 ? "ready" : "installed" });
    }
    const stormApp = await buildServer({
      store: storm, repository: new ImageRepository(home.images), home, serverUrl: server, rsyncPort: 8873,
      serverKey: Buffer.alloc(32, 1), postscriptDirs: [], onInstallsChanged: () => Promise.resolve(), maxDiscovered: 300,
    });
    try {
      const before = process.memoryUsage().heapUsed;
      const statuses = new Map<number, number>();
      for (let wave = 0; wave < 10; wave++) {
        const requests = Array.from({ length: 100 }, (_, i) => {
          const n = wave * 100 + i;
          const hex = n.toString(16).padStart(4, "0");
          // Every fifth request is a known node; the rest are machines nobody defined.
          const mac = n % 5 === 0 ? `52-54-00-77-${((n / 5) % 200).toString(16).padStart(4, "0").slice(0, 2)}-${((n / 5) % 200).toString(16).padStart(4, "0").slice(2)}` : `52-54-00-88-${hex.slice(0, 2)}-${hex.slice(2)}`;
          return stormApp.inject({ method: "GET", url: `/boot?mac=${mac}`, remoteAddress: `10.${2 + Math.floor(n / 250)}.${n % 250}.1` });
        });
        for (const response of await Promise.all(requests)) statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      }
      expect(Object.fromEntries(statuses)).toEqual({ 200: 1000 });
      const discovered = storm.listObjects("node").filter((n) => n.attributes["state"] === "discovered");
      expect(discovered).toHaveLength(300);
      expect(storm.events({ limit: 10_000 }).filter((e) => e.kind === "discovered-full")).toHaveLength(1);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await stormApp.close();
      storm.close();
    }
  });
});
