/** What every page gets: the API, who is logged in, the live event stream, and page-lifetime hooks. */
import type { Api } from "./api.js";
import type { Live } from "./live.js";
import type { NodeView, Role, Session } from "./types.js";
import type { Action } from "../../../src/auth/policy.js";

export interface Context {
  readonly api: Api;
  readonly session: Session;
  readonly live: Live;
  /** Runs when the page is left (unsubscribe, stop timers). */
  onLeave(cleanup: () => void): void;
  /** Sets the document title and announces the page to screen readers. */
  title(text: string): void;
}

export type Page = (ctx: Context, main: HTMLElement, params: URLSearchParams, ...route: string[]) => Promise<void>;

// The same ranks as src/auth/policy.ts: the server decides; the page only hides what would be refused.
const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const needs: Record<Action, Role> = { read: "viewer", plan: "operator", nodeset: "operator", boot: "operator", cancel: "operator", define: "admin", image: "admin", users: "admin" };

export function groupsOf(node: NodeView): string[] {
  return (node.attributes["groups"] ?? "").split(",").map((g) => g.trim()).filter((g) => g !== "");
}

/** Whether the session's role and scope allow `action` (on `node`, when given). */
export function may(session: Session, action: Action, node?: NodeView): boolean {
  if (rank[session.role] < rank[needs[action]]) return false;
  if (node === undefined || session.role === "admin" || session.groups.length === 0) return true;
  return groupsOf(node).some((group) => session.groups.includes(group));
}

/** A node that nodeset refuses to a non-admin: protected=yes on the node itself (its groups are the server's to judge). */
export function protectedReason(node: NodeView): string | undefined {
  const value = (node.attributes["protected"] ?? "").toLowerCase();
  if (!["yes", "1", "true"].includes(value)) return undefined;
  return node.attributes["protectreason"] ?? "";
}
