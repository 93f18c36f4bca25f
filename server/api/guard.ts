import type { FastifyRequest } from "fastify";
import { assertAllowed, authorize, unknownNodes, type Action } from "../../src/auth/policy.js";
import { authorizeNodes } from "../../src/auth/scope.js";
import { visibleNode } from "../../src/nodes/view.js";
import type { Store } from "../../src/store/store.js";
import { principalOf } from "./context.js";

/** Refuses (FORBIDDEN) unless the caller's role allows `action` at all; which nodes it may be done to is checked later. */
export function requireAction(request: FastifyRequest, action: Action): void {
  const decision = authorize(principalOf(request), action, { kind: "fleet" });
  if (!decision.allowed && decision.code === "FORBIDDEN") assertAllowed(decision);
}

/** For reads of one node: refused as unknown (404) when it does not exist or is outside the caller's scope. */
export function requireVisibleNode(store: Store, request: FastifyRequest, name: string): void {
  requireAction(request, "read");
  if (!visibleNode(store, principalOf(request), name)) assertAllowed(unknownNodes([name]));
}

/** For actions on one node (plan, cancel): the role first, then scope (404), then the policy's other checks. */
export function requireNodeAction(store: Store, request: FastifyRequest, action: Action, name: string): void {
  authorizeNodes(store, principalOf(request), action, [name], { confirm: 1 });
}
