import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeFacts } from "../../src/auth/node-facts.js";
import { canSee, type Principal } from "../../src/auth/policy.js";
import { scopedNoderangeContext } from "../../src/auth/scope.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../../src/noderange/noderange.js";
import { describeGroup, implicitGroup } from "../../src/objects/describe.js";
import { listGroupViews } from "../../src/objects/group-view.js";
import { defaults } from "../../src/objects/schema.js";
import { remoteNoderangeContext, unknownObjectError } from "../../src/remote/backend.js";
import { storeNoderangeContext } from "../../src/store/noderange-context.js";
import { Store } from "../../src/store/store.js";

/**
 * The remote CLI expands noderanges on the caller's side, from what GET /definitions?type=node and
 * /definitions?type=group show the caller; the API expands them in the scoped context. For any fleet and
 * any principal the two must agree on every range (the same nodes, or the same refusal), or a
 * remote nodels would list other nodes than a remote nodeset changes. (An in-memory store: the
 * route's answers are these domain functions' lists.)
 */

const groupNames = ["lab", "prod", "compute", "rack1", "empty"] as const;
const nodeNames = ["lab01", "lab02", "prod01", "prod02", "n1", "n2", "db01"] as const;

interface FleetSpec {
  readonly nodes: readonly { readonly name: string; readonly groups: readonly string[] }[];
  readonly defined: readonly string[];
  readonly principal: Principal;
}

const fleets: fc.Arbitrary<FleetSpec> = fc.record({
  nodes: fc.uniqueArray(fc.record({ name: fc.constantFrom(...nodeNames), groups: fc.subarray([...groupNames]) }), { selector: (node) => node.name, maxLength: nodeNames.length }),
  defined: fc.subarray([...groupNames]),
  principal: fc.oneof(
    fc.constant<Principal>({ name: "alice", role: "admin", groups: [] }),
    fc.subarray([...groupNames, "nosuchgroup"]).map((groups): Principal => ({ name: "olga", role: "operator", groups })),
    fc.subarray([...groupNames]).map((groups): Principal => ({ name: "vera", role: "viewer", groups })),
  ),
});

const ranges = fc.oneof(
  fc.constantFrom(...nodeNames, ...groupNames, "nosuch", "/.*", "/lab.*", "/prod", "lab,prod", "compute@lab", "compute,-prod01", "n[1-2]", "n1-n2", "lab01,n9", "groups==lab", "groups=~prod", "(lab,prod)@compute", "lab["),
  fc.array(fc.constantFrom(...nodeNames, ...groupNames, "-lab01", "/n", "nosuch"), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(",")),
);

function storeOf(spec: FleetSpec): Store {
  const store = Store.open(":memory:");
  for (const group of spec.defined) store.createObject("group", group, defaults("group"));
  for (const node of spec.nodes) store.createObject("node", node.name, { ...defaults("node"), groups: node.groups.join(",") });
  return store;
}

/** What the remote CLI builds from the API's answers for this principal. */
function clientContext(store: Store, principal: Principal): NoderangeContext {
  const visible = new Set(nodeFacts(store).filter((node) => canSee(principal, node)).map((node) => node.name));
  const nodes = new Map(store.listObjects("node").filter((node) => visible.has(node.name)).map((node) => [node.name, node.attributes]));
  const groups = new Map(listGroupViews(store, principal).map((group) => [group.name, describeGroup(group.defined ? group.attributes : implicitGroup(), group.members)]));
  return remoteNoderangeContext(nodes, groups, () => "");
}

function outcome(range: string, context: NoderangeContext, verify: boolean): string {
  try {
    return expandNoderange(range, context, { verify }).join(",");
  } catch (error) {
    if (!isSyscloneError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

describe("the remote CLI's noderange context is the server's scoped one", () => {
  it("for any fleet, principal and range, both expand to the same nodes or the same refusal", () => {
    fc.assert(
      fc.property(fleets, fc.array(ranges, { minLength: 1, maxLength: 6 }), (spec, rangeList) => {
        const store = storeOf(spec);
        try {
          const server = scopedNoderangeContext(storeNoderangeContext(store), spec.principal, nodeFacts(store));
          const client = clientContext(store, spec.principal);
          expect([...client.allNodes]).toEqual([...server.allNodes]);
          expect(client.allGroups).toEqual(server.allGroups);
          for (const range of rangeList) {
            for (const verify of [true, false]) expect(outcome(range, client, verify), `${range} verify=${verify}`).toBe(outcome(range, server, verify));
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a name that is no object is refused in the store's words", () => {
    const store = Store.open(":memory:");
    try {
      for (const [type, name] of [["node", "n99"], ["group", "rack9"], ["osimage", "rocky9"]] as const) {
        let fromStore: unknown;
        try {
          store.requireObject(type, name);
        } catch (error) {
          fromStore = error;
        }
        expect(isSyscloneError(fromStore)).toBe(true);
        const remote = unknownObjectError(type, name);
        expect({ code: remote.code, message: remote.message, hint: remote.hint }).toEqual({ code: (fromStore as typeof remote).code, message: (fromStore as typeof remote).message, hint: (fromStore as typeof remote).hint });
      }
    } finally {
      store.close();
    }
  });
});
