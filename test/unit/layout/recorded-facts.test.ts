import path from "node:path";
import { describe, it } from "vitest";
import { expectVmLayouts } from "../../helpers/vm-layouts.js";

describe("layouts from facts recorded on real disks in a VM (test/vm/record-facts.sh)", () => {
  it("describe GPT+ESP, MBR with logicals, LVM and md RAID1 exactly", () => {
    expectVmLayouts(path.join(import.meta.dirname, "..", "..", "fixtures", "facts"));
  });
});
