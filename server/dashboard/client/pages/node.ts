/** One node: state and progress, the actions its viewer may take, attributes, the plan, the timeline and the install log, all live. */
import { ApiError, path } from "../api.js";
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
      entry.actor && !entry.message.includes(` by ${entry.actor} `) ? h("span", { class: "actor" }, `${entry.actor}: `) : null,
      entry.message,
    )),
  );
}

/**
 * The latest install log, followed by offset (only new bytes are fetched): re-read on the node's
 * events and every few seconds while it installs; keeps to the end unless "follow" is unticked.
 */
function logSection(ctx: Context, name: string, installing: () => boolean): { element: HTMLElement; refresh: () => Promise<void> } {
  const pre = h("pre", { class: "log", tabindex: 0, "aria-label": `Install log of ${name}` });
  const follow = h("input", { type: "checkbox", id: "log-follow", checked: true });
  let install = "";
  let offset = 0;
  let busy = false;
  const refresh = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const response = await ctx.api.raw(`${path`/nodes/${name}/log`}?offset=${offset}`);
      const id = response.headers.get("x-sysclone-install") ?? "";
      const chunk = await response.text();
      if (id !== install) {
        // Another install than the one shown: its log starts afresh (read again from 0 unless this answer was).
        install = id;
        pre.textContent = "";
        if (offset !== 0) {
          offset = 0;
          busy = false;
          await refresh();
          return;
        }
      }
      offset = Number(response.headers.get("x-sysclone-log-next") ?? offset + chunk.length);
      if (chunk !== "") pre.append(chunk);
      if (follow.checked) pre.scrollTop = pre.scrollHeight;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => { if (installing()) void refresh().catch(() => undefined); }, 3000);
  ctx.onLeave(() => clearInterval(timer));
  const element = h("section", { "aria-labelledby": "log-title" },
    h("h2", { id: "log-title" }, "Install log"),
    h("p", {}, h("label", { for: "log-follow" }, follow, " follow the end")),
    pre,
  );
  return { element, refresh };
}

/** "phase pull [bar] 42 % · image img v3 · next boot: install · booted …", leaving out what is empty. */
function summary(node: NodeView): (Node | string)[] {
  const { phase, destiny, bootedAt, pinnedVersion } = node.status;
  const parts: (Node | string)[][] = [];
  const bar = progressBar(node);
  if (phase || bar) parts.push([phase ? `phase ${phase} ` : "", bar]);
  if (imageLabel(node)) parts.push([`image ${imageLabel(node)}${pinnedVersion !== null ? ` (pinned to v${pinnedVersion})` : ""}`]);
  if (destiny) parts.push([`next boot: ${destiny}`]);
  if (bootedAt) parts.push([`booted ${formatTime(bootedAt)}`]);
  return parts.flatMap((part, i) => (i === 0 ? part : [" · ", ...part]));
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
      h("p", { class: "summary" }, summary(node)),
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
    void log.refresh().catch(() => undefined);
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
