import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectVmLayouts } from "../helpers/vm-layouts.js";
import { projectRoot } from "../helpers/cli.js";

const out = mkdtempSync(path.join(tmpdir(), "sysclone-facts-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the collector on real disks in a qemu VM", () => {
  it("records facts whose layouts describe the disks exactly", () => {
    const result = spawnSync("bash", [path.join(projectRoot, "test", "vm", "record-facts.sh"), out], { encoding: "utf8", timeout: 800_000 });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expectVmLayouts(out);
  });
});
