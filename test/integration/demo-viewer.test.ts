import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser, authenticatePassword } from "../../src/auth/accounts.js";
import { localRoot } from "../../src/audit/record.js";
import { addDemoViewer } from "../../src/demo/dashboard-user.js";
import { Store } from "../../src/store/store.js";

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-demo-viewer-"));
  store = Store.open(path.join(dir, "sysclone.db"));
});

afterAll(async () => {
  store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the demo's dashboard viewer", () => {
  it("is a viewer with a fresh password that logs in, gone again after remove()", async () => {
    const viewer = await addDemoViewer(store);
    if (!viewer) throw new Error("no viewer made");
    expect(viewer.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await authenticatePassword(store, "demo", viewer.password)).toEqual({ name: "demo", role: "viewer", groups: [] });
    const other = await addDemoViewer(store, "demo2");
    expect(other?.password).not.toBe(viewer.password);
    other?.remove();
    viewer.remove();
    expect(store.users.get("demo")).toBeUndefined();
    await expect(authenticatePassword(store, "demo", viewer.password)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("leaves a user demo that someone made alone", async () => {
    addUser(store, { name: "demo", role: "admin", groups: [], expiresAt: "" }, localRoot);
    expect(await addDemoViewer(store)).toBeUndefined();
    expect(store.users.get("demo")?.role).toBe("admin");
  });
});
