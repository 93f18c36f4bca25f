import { auditedChange, localRoot } from "../audit/record.js";
import { rootPrincipal } from "../auth/policy.js";
import { authorizeNodes } from "../auth/scope.js";
import type { SyscloneHome } from "../config/paths.js";
import type { ImageRepository } from "../image/repository.js";
import { nodesetDeps, setNextBoot } from "../nodes/nodeset.js";
import { changeObjects, renameNodeObject } from "../objects/change.js";
import { describeObject, implicitGroup } from "../objects/describe.js";
import { expandObjectNames } from "../objects/expand.js";
import type { ObjectType } from "../objects/schema.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Store } from "../store/store.js";
import type { Backend, Fleet } from "./backend.js";
import type { CommandDeps } from "./command.js";

/** The fleet in the local store, as root at the server's shell sees it: everything. */
export function localFleet(store: Store, repository: ImageRepository): Fleet {
  const noderange = storeNoderangeContext(store);
  return {
    noderange,
    names: (type: ObjectType) => (type === "group" ? store.allGroupNames() : store.listNames(type)),
    shown(type, name) {
      // A group named only in nodes' groups lists has the group defaults, which is what sysclone applies to it.
      const stored = store.getObject(type, name) ?? (type === "group" && store.groupMembers(name) ? implicitGroup() : undefined);
      return stored && describeObject(type, name, stored, store, repository);
    },
    requireObject: (type, name) => store.requireObject(type, name),
  };
}

/** The commands at the server's shell: the local store, as root (admin, unscoped), every change audited as root via cli. */
export function localBackend(store: () => Store, home: SyscloneHome, repository: ImageRepository): Backend {
  const objects = () => ({ store: store(), clusterXml: home.clusterXml, actor: localRoot });
  return {
    where: "local",
    fleet: () => Promise.resolve(localFleet(store(), repository)),
    async changeObjects(change) {
      const deps = objects();
      return changeObjects(deps, { ...change, expandMembers: (members) => expandObjectNames("node", [members], storeNoderangeContext(deps.store)) });
    },
    async renameNode(from, to) {
      await renameNodeObject(objects(), from, to);
    },
    setNextBoot(order) {
      const db = store();
      // Root at the server's shell is an admin: a protected node (protected=yes) needs --force; every change is audited.
      const check = (nodes: readonly string[]): void => void authorizeNodes(db, rootPrincipal, order.action.destiny === "boot" ? "boot" : "nodeset", nodes, { force: order.force, confirm: order.confirm ?? nodes.length });
      return Promise.resolve(auditedChange(db, localRoot, "nodeset", () => setNextBoot(nodesetDeps(db), { noderange: order.noderange, action: order.action, check }), ["node"]));
    },
  };
}

/** The backend a command uses: the one main() chose, else the local store. */
export function backendOf(deps: Pick<CommandDeps, "backend" | "store" | "home" | "repository">): Backend {
  return deps.backend?.() ?? localBackend(deps.store, deps.home, deps.repository);
}
