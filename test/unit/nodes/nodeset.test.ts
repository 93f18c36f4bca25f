import { describe, expect, it } from "vitest";
import { parseNodesetAction } from "../../../src/boot/destiny.js";
import { isSyscloneError, SyscloneError } from "../../../src/errors/errors.js";
import type { NoderangeContext } from "../../../src/noderange/noderange.js";
import { describeNextBoot, nodesetEvent, setNextBoot, type NodesetDeps, type NodesetResult, type NodesetStore } from "../../../src/nodes/nodeset.js";
import type { Attributes, ObjectType } from "../../../src/objects/schema.js";
import type { NewEvent } from "../../../src/store/event-kinds.js";

/** The part of the store nodeset uses, in memory; a transaction that throws leaves it as it was. */
class MemoryStore implements NodesetStore {
  objects: Record<ObjectType, Map<string, Attributes>> = { node: new Map(), group: new Map(), osimage: new Map() };
  events: NewEvent[] = [];
  liveInstalls: { id: number; node: string; state: string }[] = [];
  readonly installs = {
    live: () => this.liveInstalls.filter((i) => i.state === "live"),
    end: (id: number, state: "revoked") => {
      for (const install of this.liveInstalls) if (install.id === id) install.state = state;
    },
  };

  transaction<T>(work: () => T): T {
    const saved = structuredClone({ objects: this.objects, events: this.events, liveInstalls: this.liveInstalls });
    try {
      return work();
    } catch (error) {
      this.objects = saved.objects;
      this.events = saved.events;
      this.liveInstalls = saved.liveInstalls;
      throw error;
    }
  }

  requireObject(type: ObjectType, name: string): Attributes {
    const found = this.objects[type].get(name);
    if (!found) throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named "${name}"`);
    return found;
  }

  updateObject(type: ObjectType, name: string, attributes: Attributes): void {
    this.objects[type].set(name, { ...this.requireObject(type, name), ...attributes });
  }

  addEvent(event: NewEvent): void {
    this.events.push(event);
  }
}

/** n01–n04 in group compute (whose image is rocky9), n05 with no image anywhere; images rocky9 and alma. */
function cluster(): { store: MemoryStore; deps: NodesetDeps } {
  const store = new MemoryStore();
  for (const name of ["n01", "n02", "n03", "n04"]) store.objects.node.set(name, { groups: "compute", osimage: "", state: "defined", destiny: "", lasterror: "" });
  store.objects.node.set("n05", { groups: "", osimage: "", state: "failed", destiny: "", lasterror: "disk full" });
  store.objects.osimage.set("rocky9", {});
  store.objects.osimage.set("alma", {});
  const context: NoderangeContext = {
    get allNodes() {
      return [...store.objects.node.keys()];
    },
    groupMembers: (group) => (group === "compute" ? ["n01", "n02", "n03", "n04"] : undefined),
  };
  const imageOf = (node: string): string => {
    const own = store.requireObject("node", node)["osimage"];
    if (own) return own;
    if (store.requireObject("node", node)["groups"] === "compute") return "rocky9";
    throw new SyscloneError("UNKNOWN_OBJECT", `node ${node} has no osimage`);
  };
  return { store, deps: { store, noderange: context, imageOf } };
}

const set = (deps: NodesetDeps, noderange: string, action: string): NodesetResult[] => setNextBoot(deps, { noderange, action: parseNodesetAction(action) });

function refusal(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return isSyscloneError(error) ? `${error.code}: ${error.message}` : `not a SyscloneError: ${String(error)}`;
  }
  return undefined;
}

describe("nodeset's next boot", () => {
  it("boot and shell set the destiny only", () => {
    const { store, deps } = cluster();
    expect(set(deps, "n0[1-2]", "boot")).toEqual([{ node: "n01", destiny: "boot" }, { node: "n02", destiny: "boot" }]);
    expect(set(deps, "n05", "shell")).toEqual([{ node: "n05", destiny: "shell" }]);
    expect(store.objects.node.get("n01")).toMatchObject({ destiny: "boot", state: "defined", osimage: "" });
    expect(store.objects.node.get("n05")).toMatchObject({ destiny: "shell", state: "failed", lasterror: "disk full" });
    expect(store.events.map((e) => e.message)).toEqual(["next boot: local disk", "next boot: local disk", "next boot: maintenance shell"]);
  });

  it("an install makes the node ready, clears its last error and names the image: its own, its group's, or the one given", () => {
    const { store, deps } = cluster();
    store.updateObject("node", "n05", { osimage: "alma" });
    expect(set(deps, "n01,n05", "install")).toEqual([
      { node: "n01", destiny: "install", osimage: "rocky9" },
      { node: "n05", destiny: "install", osimage: "alma" },
    ]);
    expect(store.objects.node.get("n05")).toMatchObject({ destiny: "install", state: "ready", lasterror: "" });
    expect(set(deps, "n02", "wipe,osimage=alma")).toEqual([{ node: "n02", destiny: "wipe,install", osimage: "alma" }]);
    expect(store.objects.node.get("n02")).toMatchObject({ destiny: "wipe,install", state: "ready", osimage: "alma" });
    expect(store.events.map((e) => [e.kind, e.node, e.osimage, e.message])).toEqual([
      ["nodeset", "n01", "rocky9", "next boot installs rocky9"],
      ["nodeset", "n05", "alma", "next boot installs alma"],
      ["nodeset", "n02", "alma", "next boot wipes every disk, then installs alma"],
    ]);
  });

  it("revokes the install under way, whatever the new destiny, and says so", () => {
    const { store, deps } = cluster();
    store.liveInstalls.push({ id: 7, node: "n01", state: "live" }, { id: 8, node: "n02", state: "live" }, { id: 9, node: "n03", state: "live" });
    expect(set(deps, "n01", "osimage=alma")).toEqual([{ node: "n01", destiny: "install", osimage: "alma", revokedInstall: 7 }]);
    expect(set(deps, "n02", "boot")).toEqual([{ node: "n02", destiny: "boot", revokedInstall: 8 }]);
    expect(store.liveInstalls.map((i) => i.state)).toEqual(["revoked", "revoked", "live"]);
    expect(store.events.map((e) => e.message)).toEqual(["next boot installs alma (the install under way is revoked)", "next boot: local disk"]);
  });

  it.each([
    ["n01", "osimage=nosuch", 'UNKNOWN_OBJECT: no osimage named "nosuch"'],
    ["n01", "osimage=bad/name", 'BAD_ATTRIBUTE: node attribute osimage: "bad/name" is not a valid name (letters, digits, . _ -)'],
    ["n0[1-", "boot", 'BAD_NODERANGE: bad noderange "n0[1-": unbalanced brackets or parentheses'],
    ["n01,n05", "install", "UNKNOWN_OBJECT: node n05 has no osimage"],
    ["compute,nosuch", "boot", 'UNKNOWN_OBJECT: no node named "nosuch"'],
  ])("refuses %s %s whole, changing nothing", (noderange, action, why) => {
    const { store, deps } = cluster();
    store.liveInstalls.push({ id: 1, node: "n01", state: "live" });
    const before = structuredClone({ objects: store.objects, events: store.events, installs: store.liveInstalls });
    expect(refusal(() => set(deps, noderange, action))).toBe(why);
    expect({ objects: store.objects, events: store.events, installs: store.liveInstalls }).toEqual(before);
  });
});

describe("what nodeset prints and records", () => {
  it.each<[NodesetResult, string, string]>([
    [{ node: "n01", destiny: "boot" }, "boot", "next boot: local disk"],
    [{ node: "n01", destiny: "boot", revokedInstall: 3 }, "boot", "next boot: local disk"],
    [{ node: "n01", destiny: "shell" }, "shell", "next boot: maintenance shell"],
    [{ node: "n01", destiny: "install", osimage: "rocky9" }, "install rocky9", "next boot installs rocky9"],
    [{ node: "n01", destiny: "wipe,install", osimage: "rocky9" }, "wipe, install rocky9", "next boot wipes every disk, then installs rocky9"],
    [{ node: "n01", destiny: "wipe,install", osimage: "alma", revokedInstall: 3 }, "wipe, install alma", "next boot wipes every disk, then installs alma (the install under way is revoked)"],
  ])("%j", (result, printed, message) => {
    expect(describeNextBoot(result)).toBe(printed);
    expect(nodesetEvent(result)).toEqual({ kind: "nodeset", node: "n01", message, ...(result.osimage !== undefined ? { osimage: result.osimage } : {}) });
  });
});
