import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { checkHwreq, formatHwreq, parseHwreq, unmetRules } from "../../../src/inventory/hwreq.js";
import type { Inventory } from "../../../src/plan/model.js";
import { normaliseAttributes } from "../../../src/objects/schema.js";

const GiB = 1024 ** 3;

function errorOf(run: () => unknown): { code: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (isSyscloneError(error)) return { code: error.code, message: error.message };
    throw error;
  }
}

const machine: Inventory = {
  firmware: "uefi",
  cpu: { model: "AMD EPYC 7302", count: 16 },
  memoryBytes: 64 * GiB,
  disks: [
    { name: "nvme1n1", sizeBytes: 480_103_981_056, rotational: false, transport: "nvme" },
    { name: "nvme0n1", sizeBytes: 960_197_124_096, rotational: false, transport: "nvme" },
    { name: "sr0", sizeBytes: 1000, removable: true },
  ],
  nics: [
    { name: "eno1", mac: "52:54:00:00:00:01", link: true, speedMbps: 1000 },
    { name: "ens1f0", mac: "52:54:00:00:00:02", link: true, speedMbps: 25000 },
    { name: "ens1f1", mac: "52:54:00:00:00:03", link: false },
  ],
};

describe("parseHwreq", () => {
  it.each([
    ["mem>=64G,cpus>=16,disks>=2,disk0>=480GB,nicspeed>=10000", [["mem", ">=", 64 * GiB], ["cpus", ">=", 16], ["disks", ">=", 2], ["disk0", ">=", 480e9], ["nicspeed", ">=", 10000]]],
    [" mem >= 512M , firmware=uefi ", [["mem", ">=", 512 * 1024 ** 2], ["firmware", "=", "uefi"]]],
    ["disk1<2T,nics==2,cpus!=3,mem>1.5G", [["disk1", "<", 2 * 1024 ** 4], ["nics", "=", 2], ["cpus", "!=", 3], ["mem", ">", 1.5 * GiB]]],
    ["", []],
  ])("reads %j", (text, rules) => {
    expect(parseHwreq(text).map((r) => [r.key, r.op, r.value])).toEqual(rules);
  });

  it.each([
    ["mem>=64Q", "rule 1 (\"mem>=64Q\")", "is not a size"],
    ["mem>=64G,,cpus>=2", "rule 2", "empty rule"],
    ["cpus>=16,ram>=4G", "rule 2 (\"ram>=4G\")", "unknown key \"ram\""],
    ["cpus=>16", "rule 1", "\">16\" is not a whole number"],
    ["16<=cpus", "rule 1", "not KEY OP VALUE"],
    ["cpus>=sixteen", "rule 1", "not a whole number"],
    ["firmware>=uefi", "rule 1", "firmware takes = or != only"],
    ["firmware=efi", "rule 1", "uefi or bios"],
    ["disks>=2,", "rule 2", "empty rule"],
  ])("refuses %j saying where", (text, where, why) => {
    const error = errorOf(() => parseHwreq(text));
    expect(error?.code).toBe("BAD_HWREQ");
    expect(error?.message).toContain(where);
    expect(error?.message).toContain(why);
  });

  it("accepts or refuses arbitrary input with BAD_HWREQ, never another error", () => {
    const ruleish = fc.oneof(
      fc.string(),
      fc.tuple(
        fc.constantFrom("mem", "cpus", "disks", "disk0", "disk12", "nics", "nicspeed", "firmware", "ram", ""),
        fc.constantFrom(">=", "<=", ">", "<", "=", "==", "!=", "=>", ""),
        fc.oneof(fc.nat().map(String), fc.constantFrom("64G", "480GB", "1.5T", "uefi", "bios", "9".repeat(30), "-1", "1e9"), fc.string({ maxLength: 6 })),
      ).map(([k, op, v]) => `${k}${op}${v}`),
    );
    fc.assert(
      fc.property(fc.array(ruleish, { maxLength: 6 }).map((rules) => rules.join(",")), (text) => {
        const error = errorOf(() => parseHwreq(text));
        if (error !== undefined) expect(error.code).toBe("BAD_HWREQ");
        else expect(parseHwreq(formatHwreq(parseHwreq(text)))).toEqual(parseHwreq(text).map((r) => ({ ...r, text: r.text.replace(/\s+/g, "").replace("==", "=") })));
      }),
      { numRuns: 1000 },
    );
  });

  it("is refused at chdef time with the rule that is wrong, and stored in one normal form", () => {
    expect(errorOf(() => normaliseAttributes("osimage", { hwreq: "mem>=64G,cpu>=4" }))?.message).toContain('unknown key "cpu"');
    expect(errorOf(() => normaliseAttributes("group", { hwreq: "mem>=64G,cpu>=4" }))?.code).toBe("BAD_HWREQ");
    expect(normaliseAttributes("node", { hwreq: "mem >= 64G, disks==2" })).toEqual({ hwreq: "mem>=64G,disks=2" });
  });
});

describe("checkHwreq", () => {
  it("passes a machine that meets every rule (disk order by name, removable media ignored, the fastest NIC with a link)", () => {
    const rules = parseHwreq("mem>=64G,cpus>=16,disks=2,disk0>=960GB,disk1>=480GB,nicspeed>=25000,nics>=3,firmware=uefi");
    expect(unmetRules(rules, machine)).toEqual([]);
  });

  it("lists every unmet rule with the value found", () => {
    const rules = parseHwreq("mem>=128G,cpus>=32,disks>=3,disk2>=1T,nicspeed>=100000,firmware=bios,disk0>=960GB");
    expect(unmetRules(rules, machine).map((u) => [u.rule.text, u.found])).toEqual([
      ["mem>=128G", "64.0 GiB (68719476736 bytes)"],
      ["cpus>=32", "16"],
      ["disks>=3", "2 (nvme0n1, nvme1n1)"],
      ["disk2>=1T", "no disk2 (2 disk(s))"],
      ["nicspeed>=100000", "25000 Mbit/s at best"],
      ["firmware=bios", "uefi"],
    ]);
  });

  it("refuses with HWREQ_UNMET naming the rule's source; all sets must hold", () => {
    const error = errorOf(() =>
      checkHwreq("n01", [
        { source: "osimage rocky9", rules: parseHwreq("mem>=32G") },
        { source: "group gpu", rules: parseHwreq("mem>=128G") },
        { source: "node n01", rules: parseHwreq("cpus>=8") },
      ], machine),
    );
    expect(error).toEqual({ code: "HWREQ_UNMET", message: "n01 does not meet its hardware requirements: mem>=128G (found 64.0 GiB (68719476736 bytes); from group gpu)" });
  });

  it("says what was not reported (an old initrd sends no memory or CPUs)", () => {
    const old: Inventory = { firmware: "bios", disks: [], nics: [] };
    expect(unmetRules(parseHwreq("mem>=1G,cpus>=1,nicspeed>=1"), old).map((u) => u.found)).toEqual(["memory not reported", "CPUs not reported", "no NIC with a link reporting its speed"]);
  });
});
