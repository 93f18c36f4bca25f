/** Pieces that show a node the same way on every page: its state badge, progress bar and table row. */
import { groupsOf } from "./context.js";
import { formatBytes, h } from "./dom.js";
import type { NodeState, NodeView } from "./types.js";

/** Every state, in the order of a node's life; checked against the server's union at type-check time. */
export const stateOrder = ["defined", "discovered", "ready", "installing", "installed", "booted", "failed"] as const satisfies readonly NodeState[];
export const statesComplete: Exclude<NodeState, (typeof stateOrder)[number]> extends never ? true : never = true;

export function stateBadge(node: NodeView): HTMLElement {
  const state = node.status.state || "defined";
  return h("span", { class: `badge state-${state}`, "data-state": state }, state);
}

export function progressBar(node: NodeView): HTMLElement | string {
  const { state, percent, bytes } = node.status;
  if (state !== "installing" && state !== "installed" && state !== "failed") return "";
  const value = state === "installed" ? 100 : Math.max(0, Math.min(100, percent ?? 0));
  return h("span", { class: "progress" },
    h("progress", { max: 100, value, "aria-label": `${node.name}: ${value} %` }),
    ` ${value} %`, bytes !== null && bytes > 0 ? h("span", { class: "bytes" }, ` ${formatBytes(bytes)}`) : null,
  );
}

export function imageLabel(node: NodeView): string {
  const { osimage, imageVersion } = node.status;
  return osimage ? `${osimage}${imageVersion ? ` v${imageVersion}` : ""}` : "";
}

export function nodeRow(node: NodeView): HTMLTableRowElement {
  return h("tr", { "data-node": node.name },
    h("th", { scope: "row" }, h("a", { href: `#/nodes/${encodeURIComponent(node.name)}` }, node.name)),
    h("td", {}, groupsOf(node).join(", ")),
    h("td", { class: "state" }, stateBadge(node)),
    h("td", { class: "phase" }, node.status.phase),
    h("td", {}, progressBar(node)),
    h("td", {}, imageLabel(node)),
    h("td", { class: "error" }, node.status.lastError),
  );
}
