import { describe, expect, it } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { describeNodeStatus, nodeStatus, nodeStatuses } from "../../../src/nodes/status.js";
import type { Attributes } from "../../../src/objects/schema.js";

/** A node's attributes as the store gives them: every column, empty unless set. */
const node = (set: Attributes): Attributes => ({
  state: "defined", destiny: "", phase: "", percent: "", bytes: "", lasterror: "", mcastsession: "", mcastrate: "", mcastretransmits: "", bootedat: "",
  ...set,
});

describe("nodestat's view of a node", () => {
  it.each<[string, Attributes, object, string]>([
    ["a node never set", node({}), { node: "n01", state: "defined", destiny: "", phase: "", lastError: "" }, "n01: defined"],
    ["a ready node", node({ state: "ready", destiny: "wipe,install" }), { node: "n01", state: "ready", destiny: "wipe,install", phase: "", lastError: "" }, "n01: ready"],
    [
      "an install under way, received by multicast",
      node({ state: "installing", destiny: "install", phase: "rsync", percent: "42", bytes: "123456789", mcastsession: "s1", mcastrate: "1048576", mcastretransmits: "3" }),
      { node: "n01", state: "installing", destiny: "install", phase: "rsync", percent: 42, bytes: 123456789, lastError: "", multicast: { session: "s1", rateBytesPerSecond: 1048576, retransmits: "3" } },
      "n01: installing (rsync 42% 117.7 MiB); multicast s1 at 1.0 MiB/s, retransmits 3",
    ],
    [
      "a booted clone with an old error",
      node({ state: "booted", bootedat: "2026-01-01T00:00:00Z", lasterror: "disk full", phase: "done", bytes: "0" }),
      { node: "n01", state: "booted", destiny: "", phase: "done", bytes: 0, lastError: "disk full", bootedAt: "2026-01-01T00:00:00Z" },
      "n01: booted at 2026-01-01T00:00:00Z (done) — disk full",
    ],
    ["a failed install at 0%", node({ state: "failed", phase: "partition", percent: "0", lasterror: "partition: no disk" }), { node: "n01", state: "failed", destiny: "", phase: "partition", percent: 0, lastError: "partition: no disk" }, "n01: failed (partition 0%) — partition: no disk"],
    ["a boot time shown only once booted", node({ state: "installed", bootedat: "2026-01-01T00:00:00Z" }), { node: "n01", state: "installed", destiny: "", phase: "", lastError: "", bootedAt: "2026-01-01T00:00:00Z" }, "n01: installed"],
    ["a state a restored stanza left, shown as stored", node({ state: "weird", mcastsession: "s2" }), { node: "n01", state: "weird", destiny: "", phase: "", lastError: "", multicast: { session: "s2" } }, "n01: weird; multicast s2"],
  ])("%s", (_, attributes, status, line) => {
    const view = nodeStatus("n01", attributes);
    expect(view).toStrictEqual(status);
    // --json prints the view as it is: the order of its fields is the order of nodestat's JSON.
    expect(Object.keys(view)).toEqual(Object.keys(status));
    expect(describeNodeStatus(view)).toBe(line);
  });

  it("reads the named nodes in the order given, refusing an unknown one", () => {
    const nodes = new Map([["n02", node({ state: "ready" })], ["n01", node({})]]);
    const source = {
      requireObject: (_type: string, name: string): Attributes => {
        const found = nodes.get(name);
        if (!found) throw new SyscloneError("UNKNOWN_OBJECT", `no node named "${name}"`);
        return found;
      },
    };
    expect(nodeStatuses(source, ["n02", "n01"]).map((s) => `${s.node} ${s.state}`)).toEqual(["n02 ready", "n01 defined"]);
    expect(() => nodeStatuses(source, ["n01", "n03"])).toThrow(/no node named "n03"/);
  });
});
