import { describe, expect, it } from "vitest";
import { parseNodesetAction } from "../../../src/boot/destiny.js";
import { isSyscloneError, SyscloneError } from "../../../src/errors/errors.js";
import { describeNextBoot, nodesetEvent, setNextBoot, type NodesetDeps, type NodesetStore } from "../../../src/nodes/nodeset.js";
import type { Attributes, ObjectType } from "../../../src/objects/schema.js";
import type { NewEvent } from "../../../src/store/event-kinds.js";

/** The code a call throws, "ok", or "other" for anything but a SyscloneError. */
function codeOf(work: () => unknown): string {
  try {
    work();
    return "ok";
  } catch (error) {
    return isSyscloneError(error) ? error.code : "other";
  }
}


/** Nodes n01 and n02 on osimage rocky9, which has versions 1 and 2. In memory; a refusal changes nothing. */
function cluster(): { deps: NodesetDeps; nodes: Map<string, Attributes>; events: NewEvent[] } {
  const nodes = new Map<string, Attributes>([["n01", { osimage: "rocky9", osimagepin: "" }], ["n02", { osimage: "rocky9", osimagepin: "rocky9@1" }]]);
  const events: NewEvent[] = [];
  const objects: Record<ObjectType, Map<string, Attributes>> = { node: nodes, group: new Map(), osimage: new Map([["rocky9", {}], ["alma", {}]]) };
  const store: NodesetStore = {
    transaction: (work) => work(),
    requireObject: (type, name) => {
      const found = objects[type].get(name);
      if (!found) throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named ${name}`);
      return found;
    },
    updateObject: (type, name, attributes) => void objects[type].set(name, { ...objects[type].get(name), ...attributes }),
    addEvent: (event) => void events.push(event),
    installs: { live: () => [], end: () => undefined },
  };
  const deps: NodesetDeps = {
    store,
    noderange: { allNodes: ["n01", "n02"], groupMembers: () => undefined },
    imageOf: (node) => nodes.get(node)?.["osimage"] ?? "",
    hasVersion: (osimage, version) => osimage === "rocky9" && [1, 2].includes(version),
  };
  return { deps, nodes, events };
}

describe("nodeset with a pinned version", () => {
  it("osimage=NAME@N writes the pin, says so, and records it in the event", () => {
    const { deps, nodes, events } = cluster();
    const [result] = setNextBoot(deps, { noderange: "n01", action: parseNodesetAction("osimage=rocky9@1") });
    expect(result).toEqual({ node: "n01", destiny: "install", osimage: "rocky9", version: 1 });
    expect(nodes.get("n01")?.["osimagepin"]).toBe("rocky9@1");
    expect(describeNextBoot(result ?? { node: "", destiny: "boot" })).toBe("install rocky9 v1");
    expect(events).toEqual([nodesetEvent({ node: "n01", destiny: "install", osimage: "rocky9", version: 1 })]);
    expect(events[0]).toMatchObject({ osimage: "rocky9", message: "next boot installs rocky9 v1" });
  });

  it("osimage=NAME clears a pin; boot and install leave it", () => {
    const { deps, nodes } = cluster();
    setNextBoot(deps, { noderange: "n02", action: parseNodesetAction("boot") });
    expect(nodes.get("n02")?.["osimagepin"]).toBe("rocky9@1");
    setNextBoot(deps, { noderange: "n02", action: parseNodesetAction("install") });
    expect(nodes.get("n02")?.["osimagepin"]).toBe("rocky9@1");
    const [result] = setNextBoot(deps, { noderange: "n02", action: parseNodesetAction("osimage=rocky9") });
    expect(result?.version).toBeUndefined();
    expect(nodes.get("n02")?.["osimagepin"]).toBe("");
  });

  it.each(["osimage=rocky9@3", "osimage=alma@1"])("%s: a version the image lacks is refused before anything changes", (text) => {
    const { deps, nodes, events } = cluster();
    const before = structuredClone([...nodes]);
    expect(codeOf(() => setNextBoot(deps, { noderange: "n01,n02", action: parseNodesetAction(text) }))).toBe("NO_IMAGE_VERSION");
    expect([...nodes]).toEqual(before);
    expect(events).toEqual([]);
  });
});
