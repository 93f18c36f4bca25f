import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { buildManifest, readManifest } from "../../src/image/manifest.js";
import { cliOk, projectRoot, runCli } from "../helpers/cli.js";
import { withHomeStore } from "../helpers/store.js";
import { Store } from "../../src/store/store.js";

let golden: GoldenClient;
let home: string;
const image = "rel";
const imageDir = (): string => path.join(home, "images", image);
const current = async (): Promise<string> => readlink(path.join(imageDir(), "current"));
const capture = (...extra: string[]) => runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", image, "--root", golden.root, ...extra]);

async function listed(): Promise<number[]> {
  const rows = JSON.parse(await cliOk(home, "lsimage", image, "--json")) as { versions: { version: number }[] }[];
  return rows[0]?.versions.map((v) => v.version) ?? [];
}

/** What lies in the image's directory besides its versions and `current`: leftovers of a killed run (a lock, staging, half-deleted versions). */
async function leftovers(): Promise<string[]> {
  return (await readdir(imageDir())).filter((entry) => !/^v\d+$/.test(entry) && entry !== "current" && entry !== "netboot");
}

/** A version is intact when its tree is exactly what its manifest recorded. */
async function expectIntact(version: string): Promise<void> {
  const dir = path.join(imageDir(), version);
  const recorded = await readManifest(path.join(dir, "manifest.jsonl"));
  const now = await buildManifest(path.join(dir, "root"));
  expect(now.entries).toEqual(recorded);
  expect(existsSync(path.join(dir, "image.json"))).toBe(true);
}

interface Started {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function startCapture(env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "imgcapture.js"), "golden01", "-t", "sysclone", "-o", image, "--root", golden.root], {
    env: { ...process.env, SYSCLONE_HOME: home, ...env },
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { pid: child.pid ?? 0, exited, stderr: () => stderr };
}

async function waitFor(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !test(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(test(), what).toBe(true);
}

/** SIGKILL takes the whole process group (rsync and its ssh shim too), as a lost terminal or a cgroup kill would; SIGTERM only imgcapture, which must stop its rsync itself. */
function kill(started: Started, signal: "SIGKILL" | "SIGTERM"): void {
  if (signal === "SIGKILL") process.kill(-started.pid, "SIGKILL");
  else process.kill(started.pid, "SIGTERM");
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-reliability-"));
  golden = await createGoldenClient({
    rootSizeMiB: 768,
    populate: async (root) => {
      for (const dir of ["srv/data", "home/user", "etc/app"]) {
        await mkdir(path.join(root, dir), { recursive: true });
        await writeFile(path.join(root, dir, "content"), `${dir}\n`.repeat(2000));
      }
    },
  });
  await golden.authorize(await cliOk(home, "sysclone", "keys"));
  await cliOk(home, "mkdef", "-t", "node", "golden01", `ip=${golden.address}`, "groups=golden");
  const first = await capture();
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("a capture killed in any phase leaves the previous version intact, and the next capture clean (R2)", () => {
  let change = 0;

  const cases: ["copy" | "manifest" | "commit", "SIGKILL" | "SIGTERM"][] = [
    ["copy", "SIGTERM"],
    ["copy", "SIGKILL"],
    ["manifest", "SIGTERM"],
    ["manifest", "SIGKILL"],
    ["commit", "SIGTERM"],
    ["commit", "SIGKILL"],
  ];

  it.each(cases)("killed during the %s with %s", async (phase, signal) => {
    const before = await current();
    const next = Number(before.slice(1)) + 1;
    const versionsBefore = await listed();
    change++;
    await writeFile(path.join(golden.root, "home", "user", "notes"), `change ${change}\n`);
    const big = path.join(golden.root, "srv", "big");
    if (phase === "copy") await writeFile(big, Buffer.alloc(200 * 1024 * 1024, change));

    const started = startCapture(phase === "copy" ? {} : { SYSCLONE_CAPTURE_PAUSE: phase });
    if (phase === "copy") await waitFor("rsync to be copying into the staging version", () => existsSync(path.join(imageDir(), `.staging-v${next}`, "root", "srv")));
    else await waitFor(`the capture to pause at ${phase}`, () => started.stderr().includes(`paused at ${phase}`));
    if (phase === "commit") expect(existsSync(path.join(imageDir(), `v${next}`, "image.json")), "published, not yet current").toBe(true);
    kill(started, signal);
    const code = await started.exited;

    if (signal === "SIGTERM") {
      // Interrupted: it says so, and cleans up at once.
      expect(code, started.stderr()).toBe(21);
      expect(started.stderr()).toContain("[CAPTURE_INTERRUPTED]");
      expect(await leftovers()).toEqual([]);
      expect(existsSync(path.join(imageDir(), `v${next}`))).toBe(false);
    }
    expect(await current()).toBe(before);
    await expectIntact(before);
    expect(await listed()).toEqual(versionsBefore);

    await rm(big, { force: true });
    const again = await capture();
    expect(again.code, again.stderr).toBe(0);
    expect(await current()).toBe(`v${next}`);
    expect(await leftovers()).toEqual([]);
    await expectIntact(`v${next}`);
    expect(await readFile(path.join(imageDir(), `v${next}`, "root", "home", "user", "notes"), "utf8")).toBe(`change ${change}\n`);
    expect(existsSync(path.join(imageDir(), `v${next}`, "root", "srv", "big"))).toBe(false);
    const versions = await listed();
    expect(versions.at(-1)).toBe(next);
    expect(versions.every((v) => existsSync(path.join(imageDir(), `v${v}`, "image.json")))).toBe(true);
  });
});

/** A live install of `node` planned on a version, as /boot and the inventory post leave it. */
function planInstall(node: string, version: number): number {
  return withHomeStore(home, (store) => {
    if (!store.getObject("node", node)) store.createObject("node", node, { osimage: image });
    const id = store.installs.issue(node, `hash-${node}-${version}-${Date.now()}`);
    store.installs.planned(id, { osimage: image, version, inventory: "{}", plan: "{}", script: "" });
    return id;
  });
}

const finish = (id: number): void => withHomeStore(home, (store) => store.installs.end(id, "finished"));

describe("versions in use are not deleted (finding 12)", () => {
  it("rmimage refuses a version live installs read, naming the nodes; --force removes it", async () => {
    const versions = await listed();
    const oldest = versions[0] ?? 0;
    const a = planInstall("reader01", oldest);
    const b = planInstall("reader02", oldest);
    const refused = await runCli(home, "rmimage", [image, "-v", String(oldest)]);
    expect(refused.code).toBe(27);
    expect(refused.stderr).toContain("[IMAGE_IN_USE]");
    expect(refused.stderr).toContain("reader01, reader02");
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(imageDir(), `v${oldest}`))).toBe(true);
    expect(await listed()).toEqual(versions);

    const whole = await runCli(home, "rmimage", [image]);
    expect(whole.code).toBe(27);
    expect(existsSync(imageDir())).toBe(true);

    const forced = await runCli(home, "rmimage", [image, "-v", String(oldest), "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(path.join(imageDir(), `v${oldest}`))).toBe(false);
    expect(await listed()).toEqual(versions.slice(1));
    expect(await leftovers()).toEqual([]);
    finish(a);
    finish(b);
  });

  it("retention keeps a version live installs read, and a later capture removes it", async () => {
    await cliOk(home, "chdef", "-t", "osimage", image, "retain=1");
    const reading = Number((await current()).slice(1));
    const id = planInstall("reader03", reading);
    await writeFile(path.join(golden.root, "home", "user", "notes"), "retention 1\n");
    const kept = await capture();
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toContain(`kept ${image} v${reading} beyond retain=1: live installs read it (reader03)`);
    expect(existsSync(path.join(imageDir(), `v${reading}`))).toBe(true);
    expect(await listed()).toEqual([reading, reading + 1]);

    finish(id);
    await writeFile(path.join(golden.root, "home", "user", "notes"), "retention 2\n");
    const pruned = await capture();
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(existsSync(path.join(imageDir(), `v${reading}`))).toBe(false);
    expect(existsSync(path.join(imageDir(), `v${reading + 1}`))).toBe(false);
    expect(await listed()).toEqual([reading + 2]);
    await cliOk(home, "chdef", "-t", "osimage", image, "retain=3");
  });

  it("rmimage waits for no capture: it takes the capture lock", async () => {
    const lock = path.join(imageDir(), ".lock");
    await writeFile(lock, String(process.pid));
    try {
      const refused = await runCli(home, "rmimage", [image, "-v", (await current()).slice(1)]);
      expect(refused.code).toBe(22);
      expect(refused.stderr).toContain("[IMAGE_LOCKED]");
      expect(existsSync(path.join(imageDir(), await current()))).toBe(true);
    } finally {
      await rm(lock, { force: true });
    }
  });

  it("a half-deleted version never shows, and the next rmimage clears it", async () => {
    await writeFile(path.join(golden.root, "home", "user", "notes"), "two versions\n");
    expect((await capture()).code).toBe(0);
    const versions = await listed();
    const older = versions.at(-2) ?? 0;
    // A removal killed after its rename (the store still lists the version) and one killed while deleting.
    await rename(path.join(imageDir(), `v${older}`), path.join(imageDir(), `.deleting-v${older}`));
    await mkdir(path.join(imageDir(), ".deleting-v999", "root", "etc"), { recursive: true });
    expect(await listed()).toEqual(versions.filter((v) => v !== older));
    expect(await cliOk(home, "lsimage", image)).not.toContain(`v${older} `);

    const newest = versions.at(-1) ?? 0;
    expect((await runCli(home, "rmimage", [image, "-v", String(older)])).stderr).toContain("[UNKNOWN_OBJECT]");
    expect(await leftovers()).toEqual([]);
    expect(withHomeStore(home, (store) => store.imageVersions(image).map((v) => v.version))).toEqual(versions.filter((v) => v !== older));
    expect(await current()).toBe(`v${newest}`);
  });

  it("rmimage of the whole image takes its directory out in one step", async () => {
    await cliOk(home, "mkdef", "-t", "osimage", "gone", "provmethod=sysclone");
    const made = await runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "gone", "--root", golden.root]);
    expect(made.code, made.stderr).toBe(0);
    // A node booted for the image but not planned yet reads it too.
    withHomeStore(home, (store) => {
      store.createObject("node", "booted01", { osimage: "gone" });
      store.installs.issue("booted01", "hash-booted01");
    });
    const refused = await runCli(home, "rmimage", ["gone"]);
    expect(refused.code).toBe(27);
    expect(refused.stderr).toContain("booted01");
    withHomeStore(home, (store) => {
      const install = store.installs.latest("booted01");
      if (install) store.installs.end(install.id, "revoked");
    });
    await mkdir(path.join(home, "images", ".deleting-gone-999999"), { recursive: true });
    const removed = await runCli(home, "rmimage", ["gone"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await readdir(path.join(home, "images"))).filter((e) => e.includes("gone"))).toEqual([]);
    expect((await runCli(home, "lsimage", ["gone"])).code).toBe(4);
  });
});

describe("state and images are private (finding 14)", () => {
  const mode = async (file: string): Promise<string> => ((await stat(file)).mode & 0o777).toString(8);
  const database = ["sysclone.db", "sysclone.db-wal", "sysclone.db-shm"];

  it("var/, the database with its -wal and -shm, images/ and each image's directory; tightened when a home made before is opened", async () => {
    expect(await mode(path.join(home, "var"))).toBe("700");
    expect(await mode(path.join(home, "var", "sysclone.db"))).toBe("600");
    expect(await mode(path.join(home, "images"))).toBe("700");
    expect(await mode(imageDir())).toBe("700");
    // SQLite removes -wal and -shm when its last connection closes: hold one open while looking.
    const store = Store.open(path.join(home, "var", "sysclone.db"));
    try {
      store.addEvent({ kind: "nodeset", message: "keeps the WAL" });
      for (const file of database) expect(await mode(path.join(home, "var", file)), file).toBe("600");
      await chmod(path.join(home, "var"), 0o755);
      await chmod(path.join(home, "images"), 0o755);
      await chmod(imageDir(), 0o755);
      for (const file of database) await chmod(path.join(home, "var", file), 0o644);
      await cliOk(home, "lsimage", image);
      expect(await mode(path.join(home, "var"))).toBe("700");
      for (const file of database) expect(await mode(path.join(home, "var", file)), file).toBe("600");
      expect(await mode(path.join(home, "images"))).toBe("700");
      expect(await mode(imageDir())).toBe("700");
    } finally {
      store.close();
    }
  });

  it("a new home is private from its first command", async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), "sysclone-fresh-"));
    try {
      await cliOk(fresh, "mkdef", "-t", "node", "n01", "ip=10.0.0.11");
      expect(await mode(path.join(fresh, "var"))).toBe("700");
      expect(await mode(path.join(fresh, "var", "sysclone.db"))).toBe("600");
      expect(await mode(path.join(fresh, "images"))).toBe("700");
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
