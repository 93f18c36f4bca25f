/** One node: state and progress, the actions its viewer may take, attributes, the plan, the timeline and the install log, all live. */
import { path } from "../api.js";
import { may, type Context, type Page } from "../context.js";
import { formatTime, h, notice, replace } from "../dom.js";
import { followNodes } from "../nodes-live.js";
import { imageLabel, progressBar, stateBadge } from "../node-view.js";
import type { NodeView, TimelineEntry } from "../types.js";
import { nodeActions } from "./node-actions.js";
import { planSection } from "./plan.js";

function attributesTable(node: NodeView): HTMLElement {
  const rows = Object.entries(node.attributes).filter(([, value]) => value !== "").sort(([a], [b]) => a.localeCompare(b));
  return h("table", { class: "attributes", "aria-label": "Attributes" },
    h("tbody", {}, rows.map(([key, value]) => h("tr", {}, h("th", { scope: "row" }, key), h("td", {}, value)))),
  );
}

function timelineList(entries: readonly TimelineEntry[]): HTMLElement {
  if (entries.length === 0) return h("p", {}, "Nothing yet.");
  return h("ol", { class: "timeline", reversed: true },
    [...entries].reverse().map((entry) => h("li", { class: `from-${entry.source}` },
      h("time", { datetime: entry.at }, formatTime(entry.at)), " ",
      h("span", { class: "kind" }, entry.kind), " ",
      entry.actor ? h("span", { class: "actor" }, `${entry.actor}: `) : null,
      entry.message,
    )),
  );
}

/** The latest install log, re-read on the node's events and every few seconds while it installs; follows the end unless scrolled up. */
function logSection(ctx: Context, name: string, installing: () => boolean): { element: HTMLElement; refresh: () => Promise<void> } {
  const pre = h("pre", { class: "log", tabindex: 0, "aria-label": `Install log of ${name}` });
  const follow = h("input", { type: "checkbox", id: "log-follow", checked: true });
  const refresh = async (): Promise<void> => {
    const text = await ctx.api.text(path`/nodes/${name}/log`).catch(() => "");
    if (text === pre.textContent) return;
    pre.textContent = text || "(no install log yet)";
    if (follow.checked) pre.scrollTop = pre.scrollHeight;
  };
  const timer = setInterval(() => { if (installing()) void refresh(); }, 3000);
  ctx.onLeave(() => clearInterval(timer));
  const element = h("section", { "aria-labelledby": "log-title" },
    h("h2", { id: "log-title" }, "Install log"),
    h("p", {}, h("label", { for: "log-follow" }, follow, " follow the end")),
    pre,
  );
  return { element, refresh };
}

export const nodePage: Page = async (ctx, main, _params, name = "") => {
  ctx.title(name);
  const [first, timeline] = await Promise.all([
    ctx.api.get<NodeView>(path`/nodes/${name}`),
    ctx.api.get<{ entries: TimelineEntry[] }>(path`/nodes/${name}/timeline`),
  ]);
  let node = first;
  const head = h("div", { class: "node-head" });
  const actions = h("div", { class: "actions", role: "group", "aria-label": "Actions" });
  const status = h("div", { class: "status", "aria-live": "polite" });
  const attributes = h("section", { "aria-labelledby": "attributes-title" });
  const timelineBox = h("div", {}, timelineList(timeline.entries));
  const log = logSection(ctx, name, () => node.status.state === "installing");
  const draw = (): void => {
    replace(head,
      h("h1", {}, node.name, " ", stateBadge(node)),
      h("p", { class: "summary" },
        node.status.phase ? `phase ${node.status.phase} ` : "", progressBar(node), " ",
        imageLabel(node) ? `image ${imageLabel(node)}` : "", node.status.destiny ? ` · next boot: ${node.status.destiny}` : "",
        node.status.bootedAt ? ` · booted ${formatTime(node.status.bootedAt)}` : "",
      ),
      node.status.lastError ? notice("error", node.status.lastError) : null,
    );
    replace(actions, nodeActions(ctx, node, status, () => void refreshAll()));
    replace(attributes, h("h2", { id: "attributes-title" }, "Attributes"), attributesTable(node));
  };
  const refreshAll = async (): Promise<void> => {
    const [fresh, entries] = await Promise.all([ctx.api.get<NodeView>(path`/nodes/${name}`), ctx.api.get<{ entries: TimelineEntry[] }>(path`/nodes/${name}/timeline`)]);
    node = fresh;
    draw();
    replace(timelineBox, timelineList(entries.entries));
    await log.refresh();
  };
  const live = followNodes(ctx.api, ctx.live, [node], () => {
    const fresh = live.nodes.get(name);
    if (fresh) node = fresh;
    draw();
    void ctx.api.get<{ entries: TimelineEntry[] }>(path`/nodes/${name}/timeline`).then((t) => replace(timelineBox, timelineList(t.entries)), () => undefined);
    void log.refresh();
  }, (eventNode) => eventNode === name);
  ctx.onLeave(() => live.stop());
  draw();
  await log.refresh();
  replace(main,
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "Fleet"), " › ", name),
    head, actions, status,
    may(ctx.session, "plan", node) ? planSection(ctx, name) : null,
    attributes,
    h("section", { "aria-labelledby": "timeline-title" }, h("h2", { id: "timeline-title" }, "Timeline"), timelineBox),
    log.element,
  );
};
