import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSyscloneError } from "../../src/errors/errors.js";
import { locatePrescripts, renderPrescriptList } from "../../src/inventory/prescripts.js";

let dir: string;
let home: string;
let shipped: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-prescripts-"));
  home = path.join(dir, "home");
  shipped = path.join(dir, "shipped");
  await mkdir(home);
  await mkdir(shipped);
  const script = async (where: string, name: string, body: string, mode = 0o755): Promise<void> => {
    await writeFile(path.join(where, name), body);
    await chmod(path.join(where, name), mode);
  };
  await script(home, "raid", "#!/bin/sh\necho home\n");
  await script(shipped, "raid", "#!/bin/sh\necho shipped\n");
  await script(shipped, "check-bios", "#!/bin/sh\nexit 0\n");
  await script(home, "not-executable", "#!/bin/sh\n", 0o644);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (isSyscloneError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("locatePrescripts", () => {
  it("takes the home's own script before the one shipped with sysclone, in the order given, with each one's sha256", async () => {
    const found = await locatePrescripts([home, shipped], ["raid", "check-bios"]);
    expect(found.map((s) => [s.name, s.file])).toEqual([["raid", path.join(home, "raid")], ["check-bios", path.join(shipped, "check-bios")]]);
    expect(renderPrescriptList(found)).toMatch(/^raid [0-9a-f]{64}\ncheck-bios [0-9a-f]{64}\n$/);
    expect(await locatePrescripts([home, shipped], [])).toEqual([]);
  });

  it("refuses scripts that are missing (naming all of them) or not executable", async () => {
    expect(await refusal(() => locatePrescripts([home, shipped], ["raid", "nope", "gone"]))).toBe(`UNKNOWN_OBJECT: pre-install script(s) nope, gone not found in ${home} or ${shipped}`);
    expect(await refusal(() => locatePrescripts([home, shipped], ["not-executable"]))).toContain("is not an executable file");
  });
});
