import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackup } from "../../../src/backup/backup.js";
import { restoreBackup } from "../../../src/backup/restore.js";
import { resolveHome } from "../../../src/config/paths.js";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { Store } from "../../../src/store/store.js";

const root = mkdtempSync(path.join(tmpdir(), "sysclone-restore-prop-"));
let original: Buffer;

beforeAll(async () => {
  const home = resolveHome({ SYSCLONE_HOME: path.join(root, "source") });
  mkdirSync(path.join(home.state, "ssh"), { recursive: true });
  writeFileSync(path.join(home.state, "signing.key"), "signing key\n", { mode: 0o600 });
  writeFileSync(path.join(home.state, "ssh", "id_ed25519"), "ssh key\n", { mode: 0o600 });
  const store = Store.open(home.database);
  try {
    store.createObject("node", "n01", { mac: "52:54:00:00:00:01" });
    const file = path.join(root, "backup.tar");
    await createBackup({ home, store, file, version: "0.1.0", now: new Date("2026-01-31T00:00:00Z") });
    original = readFileSync(file);
  } finally {
    store.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let attempt = 0;

describe("restore of any damaged backup", () => {
  it("restores the same state, or refuses with BAD_BACKUP or BACKUP_TOO_NEW and leaves the home as it was", async () => {
    const damage = fc.oneof(
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }).map((flips) => (bytes: Buffer): Buffer => {
        const out = Buffer.from(bytes);
        for (const flip of flips) out[flip.at % out.length] = flip.byte;
        return out;
      }),
      fc.nat().map((length) => (bytes: Buffer): Buffer => bytes.subarray(0, length % bytes.length)),
      fc.uint8Array({ maxLength: 2048 }).map((junk) => (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(junk), bytes])),
    );
    await fc.assert(
      fc.asyncProperty(damage, async (change) => {
        attempt++;
        const file = path.join(root, `damaged-${attempt}.tar`);
        writeFileSync(file, change(original));
        const home = resolveHome({ SYSCLONE_HOME: path.join(root, `home-${attempt}`) });
        mkdirSync(home.state, { recursive: true });
        mkdirSync(home.images, { recursive: true });
        try {
          await restoreBackup({ home, file, force: false, now: new Date() });
          const store = Store.open(home.database, () => undefined);
          try {
            expect(store.getObject("node", "n01")?.["mac"]).toBe("52:54:00:00:00:01");
          } finally {
            store.close();
          }
          expect(readFileSync(path.join(home.state, "signing.key"), "utf8")).toBe("signing key\n");
        } catch (error) {
          if (!isSyscloneError(error, "BAD_BACKUP") && !isSyscloneError(error, "BACKUP_TOO_NEW")) throw error;
          expect(readdirSync(home.home).sort()).toEqual(["images", "var"]);
          expect(readdirSync(home.state)).toEqual([]);
        } finally {
          rmSync(home.home, { recursive: true, force: true });
          rmSync(file, { force: true });
        }
      }),
      { numRuns: 100 },
    );
  });
});
