import type { NodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { osimageOf } from "../install/resolve.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import type { Destiny, NodeState } from "../objects/node-state.js";
import { formatPin } from "../objects/pin.js";
import { normaliseAttributes, type Attributes, type ObjectType } from "../objects/schema.js";
import type { NewEvent } from "../store/event-kinds.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";

/** What nodeset needs from the store. */
export interface NodesetStore {
  /** One immediate transaction: the live installs read are the ones revoked, whatever serve commits meanwhile. */
  transaction<T>(work: () => T): T;
  requireObject(type: ObjectType, name: string): Attributes;
  updateObject(type: ObjectType, name: string, attributes: Attributes): void;
  addEvent(event: NewEvent): void;
  readonly installs: {
    live(): readonly { readonly id: number; readonly node: string }[];
    end(id: number, state: "revoked"): void;
  };
}

export interface NodesetDeps {
  readonly store: NodesetStore;
  /** The nodes and groups a noderange is expanded against. */
  readonly noderange: NoderangeContext;
  /** The image a node installs: its own osimage, else its strongest group's; throws when it has none. */
  readonly imageOf: (node: string) => string;
  /** Whether the image has this captured version, for osimage=NAME@N; without it a pin is checked only when the node installs. */
  readonly hasVersion?: (osimage: string, version: number) => boolean;
}

export interface NodesetRequest {
  readonly noderange: string;
  /** parseNodesetAction's answer (src/boot/destiny.ts). */
  readonly action: NodesetAction;
  /** Called with the expanded nodes before anything is written: throws to refuse them all (roles, scope, protection). */
  readonly check?: (nodes: readonly string[]) => void;
}

/** What one node's next boot now does. */
export interface NodesetResult {
  readonly node: string;
  readonly destiny: Destiny;
  /** The image an install uses; absent for boot and shell. */
  readonly osimage?: string;
  /** The version of it the install uses when nodeset pinned one (osimage=NAME@N); absent: its current version. */
  readonly version?: number;
  /** The install under way that this change revoked (its id). */
  readonly revokedInstall?: number;
}

/** nodeset's dependencies on a real store. */
export function nodesetDeps(store: Store): NodesetDeps {
  return {
    store,
    noderange: storeNoderangeContext(store),
    imageOf: (node) => osimageOf(store, node),
    hasVersion: (osimage, version) => store.imageVersions(osimage).some((record) => record.version === version),
  };
}

/**
 * Sets each node's destiny (what its next boot does), all nodes or none: a new destiny ends the
 * install under way, so its token and rsync secret stop working and the next boot gets a fresh one.
 * An install destiny with osimage=NAME also sets the node's osimage, and makes the node ready;
 * osimage=NAME@N pins version N of it (the node's osimagepin), osimage=NAME alone clears a pin.
 */
export function setNextBoot(deps: NodesetDeps, request: NodesetRequest): NodesetResult[] {
  const { store } = deps;
  const { action } = request;
  const nodes = expandNoderange(request.noderange, deps.noderange);
  request.check?.(nodes);
  const osimage = action.osimage === undefined ? undefined : normaliseAttributes("node", { osimage: action.osimage })["osimage"];
  if (osimage !== undefined) store.requireObject("osimage", osimage);
  const pin = osimage !== undefined && action.version !== undefined ? { osimage, version: action.version } : undefined;
  if (pin && deps.hasVersion && !deps.hasVersion(pin.osimage, pin.version)) {
    throw new SyscloneError("NO_IMAGE_VERSION", `osimage ${pin.osimage} has no version ${pin.version}`, { hint: `lsimage ${pin.osimage} lists its versions; nothing was changed` });
  }
  return store.transaction(() => {
    const liveByNode = new Map(store.installs.live().map((install) => [install.node, install]));
    return nodes.map((node): NodesetResult => {
      const live = liveByNode.get(node);
      if (live) store.installs.end(live.id, "revoked");
      const revoked = live ? { revokedInstall: live.id } : {};
      if (action.destiny === "boot" || action.destiny === "shell") {
        store.updateObject("node", node, { destiny: action.destiny });
        const result = { node, destiny: action.destiny, ...revoked };
        store.addEvent(nodesetEvent(result));
        return result;
      }
      const ready: NodeState = "ready";
      const next = { destiny: action.destiny, state: ready, lasterror: "" };
      // One statement per node: with osimage=NAME the node's own osimage is the one it installs.
      if (osimage !== undefined) store.updateObject("node", node, { osimage, osimagepin: pin ? formatPin(pin.osimage, pin.version) : "", ...next });
      const image = osimage ?? deps.imageOf(node);
      if (osimage === undefined) store.updateObject("node", node, next);
      const pinned = pin ? { version: pin.version } : {};
      const result = { node, destiny: action.destiny, osimage: image, ...pinned, ...revoked };
      store.addEvent(nodesetEvent(result));
      return result;
    });
  });
}

/** The event a node's new destiny is recorded as. Pure. */
export function nodesetEvent(result: NodesetResult): NewEvent {
  const { node, destiny } = result;
  if (destiny === "boot") return { kind: "nodeset", node, message: "next boot: local disk" };
  if (destiny === "shell") return { kind: "nodeset", node, message: "next boot: maintenance shell" };
  const osimage = result.osimage ?? "";
  const pinned = result.version !== undefined ? ` v${result.version}` : "";
  const what = destiny === "wipe,install" ? "wipes every disk, then installs" : "installs";
  const revoked = result.revokedInstall !== undefined ? " (the install under way is revoked)" : "";
  return { kind: "nodeset", node, osimage, message: `next boot ${what} ${osimage}${pinned}${revoked}` };
}

/** What nodeset prints for a node: "boot", "shell", "install rocky9" or "wipe, install rocky9". Pure. */
export function describeNextBoot(result: NodesetResult): string {
  if (result.destiny === "boot" || result.destiny === "shell") return result.destiny;
  return `${result.destiny === "wipe,install" ? "wipe, " : ""}install ${result.osimage ?? ""}${result.version !== undefined ? ` v${result.version}` : ""}`;
}
