/**
 * Reinstall, Boot from disk, Shell and Cancel: each drawn only when the session's role and scope
 * allow it, each confirmed first. Reinstall's confirmation comes from the dry-run plan: every disk
 * it wipes, by name and size, and the image version.
 */
import { ApiError, path } from "../api.js";
import { may, protectedReason, type Context } from "../context.js";
import { confirmDialog } from "../dialog.js";
import { h, notice, replace } from "../dom.js";
import type { NodesetResult, NodeView } from "../types.js";
import { loadPlan, refusalText, wipedDisks } from "./plan.js";

/** `force`: an admin overriding protected=yes, having been told so in the confirmation. */
async function nodeset(ctx: Context, node: string, destiny: string, status: HTMLElement, done: () => void, force = false): Promise<void> {
  replace(status, h("p", { class: "loading" }, "Sending…"));
  try {
    const { results } = await ctx.api.send<{ results: NodesetResult[] }>("POST", "/nodeset", { noderange: node, destiny, ...(force ? { force: true } : {}) });
    const result = results.find((r) => r.node === node) ?? results[0];
    if (result?.ok) replace(status, notice("info", `${node}: next boot set to ${result.destiny}.`));
    else replace(status, notice("error", result ? `${result.code}: ${result.message}` : "the server answered no result"));
    done();
  } catch (error) {
    replace(status, error instanceof ApiError ? notice("error", error.message, error.hint) : notice("error", String(error)));
  }
}

/** A pinned node stays pinned to its version; otherwise it gets the image's current version. */
function installDestiny(node: NodeView, osimage: string): string {
  const pinned = node.status.pinnedVersion;
  return pinned !== null && node.status.osimage === osimage ? `osimage=${osimage}@${pinned}` : `osimage=${osimage}`;
}

async function reinstall(ctx: Context, node: NodeView, status: HTMLElement, done: () => void): Promise<void> {
  const answer = await loadPlan(ctx, node.name);
  const { plan } = answer;
  let body: (Node | string)[];
  let destiny: string;
  let label: string;
  if (answer.ok && plan) {
    const wiped = wipedDisks(plan);
    destiny = installDestiny(node, plan.osimage);
    label = wiped.length > 0 ? `Wipe ${wiped.length} disk${wiped.length === 1 ? "" : "s"} and reinstall` : "Reinstall";
    body = [
      h("p", {}, `${node.name} will be reinstalled with image `, h("strong", { class: "image-version" }, `${plan.osimage} v${plan.version}`), " at its next network boot."),
      wiped.length > 0
        ? h("div", {}, h("p", {}, "Everything on these disks will be erased:"), h("ul", { class: "wiped", "aria-label": "Disks to be wiped" }, wiped.map((d) => h("li", {}, h("strong", {}, d)))))
        : h("p", {}, "No disk is wiped: this node clones into a directory."),
      plan.warnings.length > 0 ? h("ul", { class: "warnings", "aria-label": "Warnings" }, plan.warnings.map((w) => h("li", {}, w))) : "",
    ];
  } else {
    const osimage = node.status.osimage || node.attributes["osimage"] || "";
    if (osimage === "") {
      replace(status, notice("error", `${node.name} has no osimage to reinstall with`, "an admin sets one (chdef osimage=NAME)"));
      return;
    }
    destiny = installDestiny(node, osimage);
    label = "Reinstall anyway";
    body = [
      notice("error", `No plan can be made now: ${refusalText(answer)}`, answer.hint),
      h("p", {}, `The disks to be wiped cannot be named yet. At its next network boot ${node.name} reports its disks, and its install stops before writing anything if the plan is refused.`),
    ];
  }
  const guarded = protectedReason(node);
  if (guarded !== undefined) body.push(h("p", { class: "protected" }, `${node.name} is protected${guarded ? ` (${guarded})` : ""}: as an admin you override that by confirming.`));
  if (await confirmDialog(`Reinstall ${node.name}?`, body, label, { danger: true })) await nodeset(ctx, node.name, destiny, status, done, guarded !== undefined);
}

async function cancel(ctx: Context, node: NodeView, status: HTMLElement, done: () => void): Promise<void> {
  const text = `${node.name}'s install is ended now: its token stops working, it is marked failed, and its next boot is its local disk.`;
  if (!(await confirmDialog(`Cancel ${node.name}'s install?`, [h("p", {}, text)], "Cancel the install", { danger: true }))) return;
  try {
    await ctx.api.send("POST", path`/nodes/${node.name}/cancel`);
    replace(status, notice("info", `${node.name}: install cancelled.`));
    done();
  } catch (error) {
    replace(status, error instanceof ApiError ? notice("error", error.message, error.hint) : notice("error", String(error)));
  }
}

export function nodeActions(ctx: Context, node: NodeView, status: HTMLElement, done: () => void): (HTMLElement | null)[] {
  const { session } = ctx;
  const buttons: (HTMLElement | null)[] = [];
  const guarded = protectedReason(node);
  const blocked = guarded !== undefined && session.role !== "admin";
  const act = (label: string, run: () => Promise<void>): HTMLElement => {
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", () => {
      button.disabled = true;
      run().catch((error: unknown) => replace(status, notice("error", error instanceof Error ? error.message : String(error)))).finally(() => (button.disabled = false));
    });
    return button;
  };
  const simple = (title: string, text: string, destiny: string, force = false) => async (): Promise<void> => {
    const override = force ? [h("p", { class: "protected" }, `${node.name} is protected: as an admin you override that by confirming.`)] : [];
    if (await confirmDialog(title, [h("p", {}, text), ...override], title)) await nodeset(ctx, node.name, destiny, status, done, force);
  };
  const installing = node.status.state === "installing";
  if (may(session, "nodeset", node) && !blocked) buttons.push(act("Reinstall", () => reinstall(ctx, node, status, done)));
  if (may(session, "boot", node)) buttons.push(act("Boot from disk", simple("Boot from disk", `${node.name}'s next boot goes to its local disk.`, "boot")));
  if (may(session, "nodeset", node) && !blocked) buttons.push(act("Shell", simple("Maintenance shell", `${node.name}'s next network boot starts the install system's shell; nothing is written to its disks.`, "shell", guarded !== undefined)));
  if (may(session, "cancel", node) && installing) buttons.push(act("Cancel install", () => cancel(ctx, node, status, done)));
  if (guarded !== undefined && may(session, "nodeset", node)) buttons.push(h("p", { class: "protected" }, `Protected${guarded ? `: ${guarded}` : ""}${blocked ? " (only an admin may reinstall it)" : ""}`));
  return buttons;
}
