/** The dry-run plan: what a reinstall would do to each disk, or why it would be refused. Nothing is changed by reading it. */
import { path } from "../api.js";
import type { Context } from "../context.js";
import { formatBytes, h, notice, replace } from "../dom.js";
import type { PlanAnswer, PlanDisk } from "../types.js";

type Partition = Record<string, unknown>;

function partitionText(part: Partition): string {
  const pieces: string[] = [];
  for (const key of ["num", "dev", "mp", "mountpoint", "fs", "filesystem", "sizeBytes", "size"]) {
    const value = part[key];
    if (typeof value === "number") pieces.push(key === "sizeBytes" ? formatBytes(value) : String(value));
    else if (typeof value === "string" && value !== "") pieces.push(value);
  }
  return pieces.length > 0 ? pieces.join(" ") : JSON.stringify(part);
}

export function diskLine(disk: PlanDisk): string {
  return `${disk.dev} (${formatBytes(disk.sizeBytes)})`;
}

export function planView(answer: PlanAnswer): HTMLElement {
  if (!answer.ok) return h("div", { class: "plan refused" }, notice("error", `The plan is refused (${answer.code}): ${answer.message}`));
  const { plan } = answer;
  return h("div", { class: "plan" },
    h("p", {}, `Image ${plan.osimage} v${plan.version}, transport ${plan.transport}.`),
    plan.disks.length === 0
      ? h("p", {}, "No disks: this node clones into a directory.")
      : h("ul", { class: "disks", "aria-label": "Disks" }, plan.disks.map((disk) => h("li", {},
        h("strong", {}, diskLine(disk)), disk.wiped ? " — wiped and repartitioned" : " — kept",
        disk.partitions.length > 0 ? h("ul", {}, disk.partitions.map((p) => h("li", {}, partitionText(p as Partition)))) : null,
      ))),
    h("p", {}, `Postscripts: ${plan.postscripts.length > 0 ? plan.postscripts.join(", ") : "none"}.`),
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
