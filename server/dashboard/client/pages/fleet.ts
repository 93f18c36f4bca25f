/** The fleet: counts by state, then every visible node with its live state, phase and progress, filtered by group, state and text. */
import type { Page } from "../context.js";
import { groupsOf } from "../context.js";
import { h, replace } from "../dom.js";
import { followNodes } from "../nodes-live.js";
import { nodeRow, stateOrder } from "../node-view.js";
import type { NodeList, NodeView } from "../types.js";

/** Rows drawn at most; a narrower filter shows the rest. */
const MAX_ROWS = 500;

function matches(node: NodeView, group: string, state: string, text: string): boolean {
  if (group !== "" && !groupsOf(node).includes(group)) return false;
  if (state !== "" && node.status.state !== state) return false;
  if (text === "") return true;
  const haystack = [node.name, ...Object.values(node.attributes)].join(" ").toLowerCase();
  return text.toLowerCase().split(/\s+/).every((word) => haystack.includes(word));
}

export const fleetPage: Page = async (ctx, main, params) => {
  ctx.title("Fleet");
  const { nodes: initial } = await ctx.api.get<NodeList>("/nodes");
  const group = h("select", { id: "filter-group" }, h("option", { value: "" }, "all groups"));
  const state = h("select", { id: "filter-state" }, h("option", { value: "" }, "all states"), stateOrder.map((s) => h("option", { value: s }, s)));
  const text = h("input", { id: "filter-text", type: "search", placeholder: "name, MAC, IP…" });
  const overview = h("ul", { class: "overview", "aria-label": "Nodes by state" });
  const body = h("tbody");
  const shown = h("p", { class: "count", role: "status" });
  const live = followNodes(ctx.api, ctx.live, initial, () => schedule());
  ctx.onLeave(() => live.stop());

  const groupNames = (): string[] => [...new Set([...live.nodes.values()].flatMap(groupsOf))].sort();
  const fillGroups = (): void => {
    const current = group.value || (params.get("group") ?? "");
    replace(group, h("option", { value: "" }, "all groups"), groupNames().map((g) => h("option", { value: g }, g)));
    group.value = current;
  };
  const draw = (): void => {
    const all = [...live.nodes.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
    const counts = new Map<string, number>();
    for (const node of all) counts.set(node.status.state, (counts.get(node.status.state) ?? 0) + 1);
    replace(overview,
      h("li", {}, h("a", { href: "#/", "data-state": "" }, h("strong", {}, all.length), " nodes")),
      [...stateOrder, ...[...counts.keys()].filter((s) => !(stateOrder as readonly string[]).includes(s))]
        .filter((s) => counts.has(s))
        .map((s) => h("li", { class: `state-${s}` }, h("a", { href: `#/?state=${encodeURIComponent(s)}`, "data-state": s }, h("strong", {}, counts.get(s) ?? 0), ` ${s}`))),
    );
    const selected = all.filter((node) => matches(node, group.value, state.value, text.value.trim()));
    replace(body, selected.slice(0, MAX_ROWS).map(nodeRow));
    shown.textContent = selected.length > MAX_ROWS ? `showing ${MAX_ROWS} of ${selected.length} matching nodes; narrow the filter` : `${selected.length} of ${all.length} nodes`;
  };
  let frame = 0;
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(() => { frame = 0; if (groupNames().length + 1 !== group.options.length) fillGroups(); draw(); });
  };
  const filtered = (): void => {
    const query = new URLSearchParams();
    if (group.value) query.set("group", group.value);
    if (state.value) query.set("state", state.value);
    if (text.value) query.set("q", text.value);
    const q = query.toString();
    history.replaceState(null, "", q ? `#/?${q}` : "#/");
    draw();
  };
  fillGroups();
  state.value = params.get("state") ?? "";
  text.value = params.get("q") ?? "";
  for (const control of [group, state]) control.addEventListener("change", filtered);
  text.addEventListener("input", filtered);
  draw();
  replace(main,
    h("h1", {}, "Fleet"),
    overview,
    h("form", { class: "filters", role: "search", "aria-label": "Filter nodes", onsubmit: (e: Event) => e.preventDefault() },
      h("label", { for: "filter-group" }, "Group"), group,
      h("label", { for: "filter-state" }, "State"), state,
      h("label", { for: "filter-text" }, "Search"), text,
    ),
    shown,
    h("table", { class: "nodes", "aria-label": "Nodes" },
      h("thead", {}, h("tr", {}, ["Node", "Groups", "State", "Phase", "Progress", "Image", "Last error"].map((c) => h("th", { scope: "col" }, c)))),
      body,
    ),
  );
};
