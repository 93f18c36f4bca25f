import { SyscloneError } from "../errors/errors.js";
import type { Role } from "../store/users.js";

export type { Role } from "../store/users.js";

export const roles = ["admin", "operator", "viewer"] as const satisfies readonly Role[];

/** Who is asking: a user, or root at the server's own shell. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  /** The groups a viewer or operator is scoped to; empty: the whole fleet. An admin is never scoped. */
  readonly groups: readonly string[];
}

export const rootPrincipal: Principal = { name: "root", role: "admin", groups: [] };

/**
 * What a principal may ask for. read: nodes, groups, images, events, audit. plan: a node's dry-run
 * plan. nodeset: install, wipe or shell. boot: boot from the local disk. cancel: end an install.
 * define: create, change or remove nodes, groups and osimages. image: capture, remove or roll back
 * images. users: users and their tokens.
 */
export const actions = ["read", "plan", "nodeset", "boot", "cancel", "define", "image", "users"] as const;
export type Action = (typeof actions)[number];

/** Why nodeset refuses a node unless an admin forces it. */
export interface Protection {
  readonly by: "node" | "group";
  /** The node, or the group, that says protected=yes. */
  readonly name: string;
  readonly reason: string;
}

/** What the policy needs to know of a node. */
export interface NodeFacts {
  readonly name: string;
  readonly groups: readonly string[];
  readonly protection?: Protection | undefined;
}

export type Target =
  /** No particular nodes: the object lists, definitions, images, users. */
  | { readonly kind: "fleet" }
  | {
      readonly kind: "nodes";
      readonly nodes: readonly NodeFacts[];
      /** The number of nodes the caller confirms; required (and must match) above CONFIRM_ABOVE. */
      readonly confirm?: number | undefined;
      /** An admin's explicit override of protected=yes. */
      readonly force?: boolean | undefined;
    };

export type RefusalCode = "FORBIDDEN" | "UNKNOWN_OBJECT" | "EMPTY_NODERANGE" | "PROTECTED" | "NEEDS_CONFIRMATION";

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: RefusalCode; readonly message: string; readonly hint: string; readonly nodes: readonly string[] };

/** A change to more nodes than this needs their count confirmed. */
export const CONFIRM_ABOVE = 50;

const minimumRole: Record<Action, Role> = {
  read: "viewer",
  plan: "operator",
  nodeset: "operator",
  boot: "operator",
  cancel: "operator",
  define: "admin",
  image: "admin",
  users: "admin",
};

/** Actions that change nodes: an empty range is refused and a large one needs its count confirmed. */
const changesNodes: ReadonlySet<Action> = new Set<Action>(["nodeset", "boot", "cancel"]);

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the principal sees the node at all: admins and unscoped users see every node. */
export function canSee(principal: Principal, node: { readonly groups: readonly string[] }): boolean {
  if (principal.role === "admin" || principal.groups.length === 0) return true;
  return node.groups.some((group) => principal.groups.includes(group));
}

/** The nodes a principal sees, in the order given: for lists, where a node out of scope is simply absent. */
export function visibleNodes<T extends { readonly groups: readonly string[] }>(principal: Principal, nodes: readonly T[]): T[] {
  return nodes.filter((node) => canSee(principal, node));
}

function refuse(code: RefusalCode, message: string, hint: string, nodes: readonly string[] = []): Decision {
  return { allowed: false, code, message, hint, nodes };
}

/** The refusal for nodes a principal cannot see, or that do not exist: the same, so scope does not leak. */
export function unknownNodes(names: readonly string[]): Decision {
  return refuse("UNKNOWN_OBJECT", `no node named ${listed(names)}`, "nodels lists the nodes you can see", names);
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(",");
  return names.length > 10 ? `${shown} and ${names.length - 10} more` : shown;
}

/**
 * May `principal` do `action` to `target`? Checked in this order: the role, an empty range, nodes
 * out of scope (refused as unknown: they are invisible, not forbidden), protected nodes (nodeset
 * only), then the count of a large change.
 */
export function authorize(principal: Principal, action: Action, target: Target): Decision {
  const needed = minimumRole[action];
  if (rank[principal.role] < rank[needed]) {
    return refuse("FORBIDDEN", `${principal.name} is ${article(principal.role)} ${principal.role} and may not ${action}`, `${action} needs the ${needed} role${needed === "admin" ? "" : " or admin"}; ask an admin`);
  }
  const nodes = target.kind === "nodes" ? target.nodes : [];
  if (changesNodes.has(action) && nodes.length === 0) {
    return refuse("EMPTY_NODERANGE", `${action} needs at least one node; the noderange selects none`, "name the nodes, e.g. node[01-04] or a group");
  }
  const hidden = nodes.filter((node) => !canSee(principal, node)).map((node) => node.name);
  if (hidden.length > 0) return unknownNodes(hidden);
  if (target.kind !== "nodes") return { allowed: true };
  if (action === "nodeset") {
    const protectedNodes = nodes.filter((node) => node.protection !== undefined);
    const overridden = principal.role === "admin" && target.force === true;
    if (protectedNodes.length > 0 && !overridden) {
      const first = protectedNodes[0]?.protection;
      const why = first ? `${first.by} ${first.name} is protected${first.reason === "" ? "" : `: ${first.reason}`}` : "";
      const names = protectedNodes.map((node) => node.name);
      return refuse(
        "PROTECTED",
        `nodeset refuses protected node${names.length === 1 ? "" : "s"} ${listed(names)} (${why})`,
        principal.role === "admin" ? "an admin may override with force (nodeset --force); nothing was changed" : "only an admin may override protection; nothing was changed",
        names,
      );
    }
  }
  if (changesNodes.has(action)) {
    const count = nodes.length;
    if (target.confirm !== undefined && target.confirm !== count) {
      return refuse("NEEDS_CONFIRMATION", `${action} would change ${count} node${count === 1 ? "" : "s"}, not the ${target.confirm} confirmed`, `check the noderange, then confirm ${count}; nothing was changed`);
    }
    if (count > CONFIRM_ABOVE && target.confirm === undefined) {
      return refuse("NEEDS_CONFIRMATION", `${action} would change ${count} nodes (more than ${CONFIRM_ABOVE}); confirm the count`, `confirm ${count} (e.g. --confirm ${count}); nothing was changed`);
    }
  }
  return { allowed: true };
}

function article(role: Role): string {
  return role === "admin" || role === "operator" ? "an" : "a";
}

/** Throws the refusal as a SyscloneError carrying its code (and the nodes it is about). */
export function assertAllowed(decision: Decision): void {
  if (decision.allowed) return;
  throw new SyscloneError(decision.code, decision.message, { hint: decision.hint, ...(decision.nodes.length > 0 ? { details: { nodes: decision.nodes } } : {}) });
}

/** `admin`, `operator` or `viewer`, or a BAD_ROLE refusal. */
export function parseRole(text: string): Role {
  if ((roles as readonly string[]).includes(text)) return text as Role;
  throw new SyscloneError("BAD_ROLE", `${JSON.stringify(text.slice(0, 40))} is not a role`, { hint: `use --role ${roles.join("|")}` });
}
