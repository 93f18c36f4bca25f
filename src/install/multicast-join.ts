import type { InstallRecord } from "../store/installs.js";
import type { InstallDeps } from "./service.js";

export type MulticastAnswer =
  | { readonly kind: "join"; readonly session: string; readonly portbase: number; readonly address: string }
  | { readonly kind: "wait"; readonly retrySeconds: number; readonly reason: string }
  | { readonly kind: "unicast"; readonly reason: string };

export type MulticastJoin = (request: { node: string; osimage: string; version: number }) => MulticastAnswer;

/** A node at its pull step asks for a multicast session of the image version its plan names. */
export function joinMulticast(deps: InstallDeps, install: InstallRecord): MulticastAnswer {
  if (install.state !== "planned" || install.version === 0) return { kind: "unicast", reason: "the install has no plan yet" };
  if (!deps.multicast) return { kind: "unicast", reason: "this server runs no multicast sessions" };
  return deps.multicast({ node: install.node, osimage: install.osimage, version: install.version });
}

/** The answer as the clone client's sh reads it: key=value lines. */
export function renderMulticastAnswer(answer: MulticastAnswer): string {
  if (answer.kind === "join") return `session=${answer.session}\nportbase=${answer.portbase}\naddress=${answer.address}\n`;
  if (answer.kind === "wait") return `wait=${answer.retrySeconds}\nreason=${answer.reason}\n`;
  return `reason=${answer.reason}\n`;
}
