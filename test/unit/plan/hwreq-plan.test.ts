import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { parseHwreq } from "../../../src/inventory/hwreq.js";
import { parseFacts } from "../../../src/layout/facts.js";
import { layoutFromFacts } from "../../../src/layout/from-facts.js";
import type { Inventory } from "../../../src/plan/model.js";
import { planClone, type PlanInput } from "../../../src/plan/planner.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const gpt = layoutFromFacts(parseFacts(readFileSync(path.join(import.meta.dirname, "..", "..", "fixtures", "facts", "gpt.json"), "utf8"))).layout;

function input(inventory: Inventory, overrides: Partial<PlanInput> = {}): PlanInput {
  let n = 0;
  return {
    layout: gpt,
    inventory,
    node: { name: "n01", allowSmaller: false, finalAction: "reboot" },
    image: { name: "rocky9", version: 3, usedBytes: 300 * MiB, allowSmaller: false, transport: "rsync", verify: true },
    overrides: [],
    postscripts: [],
    serverUrl: "http://10.0.0.1:8080",
    rsyncPort: 8873,
    newUuid: () => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, "0")}`,
    ...overrides,
  };
}

const small: Inventory = { firmware: "bios", memoryBytes: GiB, cpu: { count: 1 }, disks: [{ name: "vda", sizeBytes: 512 * MiB }], nics: [] };

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isSyscloneError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("planClone: hwreq next to the size rule", () => {
  it("refuses an unfit machine with every unmet rule before the disk size is even looked at", () => {
    const hwreq = [{ source: "osimage rocky9", rules: parseHwreq("mem>=4G,cpus>=2") }, { source: "group compute", rules: parseHwreq("disks>=2") }];
    expect(refusal(() => planClone(input(small, { hwreq })))).toEqual({
      code: "HWREQ_UNMET",
      message: "n01 does not meet its hardware requirements: mem>=4G (found 1.0 GiB (1073741824 bytes); from osimage rocky9); cpus>=2 (found 1; from osimage rocky9); disks>=2 (found 1 (vda); from group compute)",
    });
    // Without hwreq the same machine meets the size rule's refusal.
    expect(refusal(() => planClone(input(small))).code).toBe("DISK_TOO_SMALL");
  });

  it("checks hwreq against the machine as it booted, and places the layout on the disks as they are now", () => {
    const booted: Inventory = { firmware: "bios", memoryBytes: GiB, disks: [{ name: "vda", sizeBytes: GiB }, { name: "vdb", sizeBytes: GiB }], nics: [] };
    const assembled: Inventory = {
      ...booted,
      disks: [{ name: "vda", sizeBytes: GiB, memberOf: "md0" }, { name: "vdb", sizeBytes: GiB, memberOf: "md0" }, { name: "md0", sizeBytes: GiB, raidLevel: "raid1", transport: "md" }],
    };
    const plan = planClone(input(assembled, { hardware: booted, hwreq: [{ source: "node n01", rules: parseHwreq("disks>=2,disk1>=1G") }] }));
    expect(plan.disks.map((d) => [d.goldenDev, d.dev])).toEqual([["/dev/vda", "/dev/md0"]]);
    expect(plan.mounts.find((m) => m.mp === "/")?.dev).toBe("/dev/md0p2");
    // A wipe chain erases the other drives, not the array the plan is for nor its members.
    const withSpare: Inventory = { ...assembled, disks: [...assembled.disks, { name: "vdc", sizeBytes: GiB }] };
    expect(planClone(input(withSpare, { node: { name: "n01", allowSmaller: false, finalAction: "reboot", wipe: true } })).wipeDisks).toEqual(["/dev/vdc"]);
    // Checked against the assembled disks instead, the two-disk rule would fail: the array is one disk.
    expect(refusal(() => planClone(input(assembled, { hwreq: [{ source: "node n01", rules: parseHwreq("disks>=2") }] }))).code).toBe("HWREQ_UNMET");
  });
});
