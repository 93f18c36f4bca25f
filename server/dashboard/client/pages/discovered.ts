/** Machines that booted unknown: their MAC, UUID and serial, and (for admins) "assign to node", which gives their identity to a defined node. */
import { ApiError, path } from "../api.js";
import { may, type Context, type Page } from "../context.js";
import { confirmDialog } from "../dialog.js";
import { h, notice, replace } from "../dom.js";
import type { NodeList, NodeView } from "../types.js";

function assignForm(ctx: Context, machine: NodeView, targets: readonly NodeView[], status: HTMLElement, reload: () => void): HTMLElement {
  const id = `assign-${machine.name}`;
  const select = h("select", { id }, h("option", { value: "" }, "choose a node…"), targets.map((t) => h("option", { value: t.name }, t.name)));
  const form = h("form", { class: "assign" }, h("label", { for: id }, "Assign to node"), select, h("button", { type: "submit" }, "Assign"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const target = targets.find((t) => t.name === select.value);
    if (!target) return;
    void (async () => {
      const identity: Record<string, string> = {};
      for (const key of ["mac", "uuid", "serial"]) {
        const value = machine.attributes[key] ?? "";
        if (value !== "" && (key === "mac" || !target.attributes[key])) identity[key] = value;
      }
      const lines = Object.entries(identity).map(([k, v]) => `${k}=${v}`).join(", ");
      const ok = await confirmDialog(`Assign this machine to ${target.name}?`, [h("p", {}, `${target.name} gets ${lines}${target.attributes["mac"] ? ` (its MAC ${target.attributes["mac"]} is replaced)` : ""}; the record ${machine.name} is removed. The machine boots as ${target.name} from its next network boot.`)], "Assign");
      if (!ok) return;
      try {
        await ctx.api.send("PATCH", path`/nodes/${target.name}`, { attributes: identity });
        await ctx.api.send("DELETE", path`/nodes/${machine.name}`);
        replace(status, notice("info", `${machine.name} is now ${target.name}.`));
        reload();
      } catch (error) {
        replace(status, error instanceof ApiError ? notice("error", error.message, error.hint) : notice("error", String(error)));
      }
    })();
  });
  return form;
}

export const discoveredPage: Page = async (ctx, main) => {
  ctx.title("Discovered machines");
  const status = h("div", { class: "status" });
  const body = h("div");
  const load = async (): Promise<void> => {
    const { nodes } = await ctx.api.get<NodeList>("/nodes");
    const machines = nodes.filter((n) => n.status.state === "discovered");
    const targets = nodes.filter((n) => n.status.state !== "discovered");
    const admin = may(ctx.session, "define");
    replace(body, machines.length === 0 ? h("p", {}, "No unknown machine has booted.") : h("table", { class: "discovered", "aria-label": "Discovered machines" },
      h("thead", {}, h("tr", {}, ["Record", "MAC", "UUID", "Serial", admin ? "Assign" : ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, machines.map((m) => h("tr", { "data-node": m.name },
        h("th", { scope: "row" }, m.name), h("td", {}, m.attributes["mac"] ?? ""), h("td", {}, m.attributes["uuid"] ?? ""), h("td", {}, m.attributes["serial"] ?? ""),
        h("td", {}, admin ? assignForm(ctx, m, targets, status, () => void load()) : null),
      ))),
    ));
  };
  await load();
  const unsubscribe = ctx.live.subscribe((event) => { if (event.kind === "discovered" || event.kind === "discovered-assigned") void load(); });
  ctx.onLeave(unsubscribe);
  replace(main, h("h1", {}, "Discovered machines"), status, body);
};
