import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenSha256 } from "../../src/install/tokens.js";
import { defaults } from "../../src/objects/schema.js";
import { Store } from "../../src/store/store.js";
import { RsyncdSupervisor } from "../../server/rsyncd.js";

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-rsyncd-"));
  store = Store.open(":memory:");
});

afterAll(async () => {
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

function planned(node: string, osimage: string): number {
  store.createObject("node", node, { ...defaults("node"), osimage });
  const id = store.installs.issue(node, tokenSha256(`${node}-token-0123456789`), "10.0.0.9");
  const plan = { node, osimage, version: 1, overrides: [], postscripts: [] };
  store.installs.planned(id, { osimage, version: 1, inventory: "{}", plan: JSON.stringify(plan), script: "" });
  return id;
}

describe("the rsync daemon's configuration follows the live installs", () => {
  it("recovers after a rewrite that failed: one bad install does not poison every later one", async () => {
    const logged: string[] = [];
    const supervisor = new RsyncdSupervisor({
      dir, address: "127.0.0.1", port: 1, images: path.join(dir, "images"), overrides: path.join(dir, "overrides"), postscriptDirs: [],
      maxConnections: 4, serverKey: Buffer.alloc(32, 3), store, signal: new AbortController().signal, log: (line) => logged.push(line),
    });
    // A plan naming an image whose path cannot be written into rsyncd.conf (a store written before names were checked).
    const bad = planned("r1", "bad;image");
    await expect(supervisor.reconfigure()).rejects.toThrow(/unsafe rsyncd.conf value/);
    expect(logged.join("\n")).toContain("rsyncd: could not rewrite its configuration");
    store.installs.end(bad, "failed");
    planned("r2", "good");
    await supervisor.reconfigure();
    const config = await readFile(supervisor.configFile, "utf8");
    expect(config).toContain("[img-good-v1]");
    expect(config).not.toContain("bad;image");
  });
});
