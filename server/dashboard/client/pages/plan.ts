/** The dry-run plan: what a reinstall would do to each disk, or why it would be refused. Nothing is changed by reading it. */
import { path } from "../api.js";
import type { Context } from "../context.js";
import { formatBytes, h, notice, replace } from "../dom.js";
import type { PlanAnswer, PlanDisk, PlanPartition, PlanSummary } from "../types.js";

function partitionText(part: PlanPartition): string {
  return [part.dev, formatBytes(part.sizeBytes), part.type, part.fs, part.mountpoint].filter((piece) => piece !== "").join(" ");
}

export function diskLine(disk: PlanDisk): string {
  return `${disk.dev} (${formatBytes(disk.sizeBytes)})`;
}

/** The disks a reinstall erases: those the plan repartitions, and any a wipe chain names besides. */
export function wipedDisks(plan: PlanSummary): string[] {
  const named = plan.disks.filter((disk) => disk.wiped).map(diskLine);
  const others = plan.wipeDisks.filter((dev) => !plan.disks.some((disk) => disk.dev === dev && disk.wiped));
  return [...named, ...others];
}

export function refusalText(answer: PlanAnswer): string {
  return `${answer.message ?? "no plan"}${answer.code ? ` (${answer.code})` : ""}`;
}

export function planView(answer: PlanAnswer): HTMLElement {
  const { plan } = answer;
  if (!answer.ok || !plan) return h("div", { class: "plan refused" }, notice("error", `The install would be refused: ${refusalText(answer)}`, answer.hint));
  return h("div", { class: "plan" },
    h("p", {}, `Image ${plan.osimage} v${plan.version}, transport ${plan.transport}.`),
    plan.target === "directory"
      ? h("p", {}, "No disks: this node clones into a directory.")
      : h("ul", { class: "disks", "aria-label": "Disks" }, plan.disks.map((disk) => h("li", {},
        h("strong", {}, diskLine(disk)), disk.wiped ? " — wiped and repartitioned" : " — kept",
        disk.partitions.length > 0 ? h("ul", {}, disk.partitions.map((p) => h("li", {}, partitionText(p)))) : null,
      ))),
    h("p", {}, `Postscripts: ${plan.postscripts.length > 0 ? plan.postscripts.join(", ") : "none"}. Then: ${plan.finalAction}.`),
    plan.warnings.length > 0 ? h("ul", { class: "warnings", "aria-label": "Warnings" }, plan.warnings.map((w) => h("li", {}, w))) : null,
  );
}

export function loadPlan(ctx: Context, name: string): Promise<PlanAnswer> {
  return ctx.api.get<PlanAnswer>(path`/nodes/${name}/plan`);
}

export function planSection(ctx: Context, name: string): HTMLElement {
  const box = h("div", {});
  const button = h("button", { type: "button", "aria-controls": "plan-box" }, "Show the dry-run plan");
  button.addEventListener("click", () => {
    button.disabled = true;
    replace(box, h("p", { class: "loading" }, "Planning…"));
    loadPlan(ctx, name).then(
      (answer) => replace(box, planView(answer)),
      (error: unknown) => replace(box, notice("error", error instanceof Error ? error.message : String(error))),
    ).finally(() => { button.disabled = false; button.textContent = "Plan again"; });
  });
  box.id = "plan-box";
  return h("section", { "aria-labelledby": "plan-title" }, h("h2", { id: "plan-title" }, "Plan"), button, box);
}
