/** Images: each one's versions (size, files, capture time, source node), the difference between two versions, and rollback for admins. */
import { ApiError, path } from "../api.js";
import { may, type Context, type Page } from "../context.js";
import { confirmDialog } from "../dialog.js";
import { formatBytes, formatTime, h, notice, replace } from "../dom.js";
import type { ImageDiff, ImageVersion, ObjectView } from "../types.js";

function versionsTable(ctx: Context, name: string, versions: readonly ImageVersion[], status: HTMLElement, reload: () => void): HTMLElement {
  const admin = may(ctx.session, "image");
  return h("table", { class: "versions", "aria-label": `Versions of ${name}` },
    h("thead", {}, h("tr", {}, ["Version", "Captured", "Source node", "Size", "Files", ""].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, [...versions].sort((a, b) => b.version - a.version).map((v) => h("tr", { "data-version": v.version, class: v.current ? "current" : "" },
      h("th", { scope: "row" }, `v${v.version}`, v.current ? h("span", { class: "badge" }, " current") : null),
      h("td", {}, h("time", { datetime: v.capturedAt }, formatTime(v.capturedAt))),
      h("td", {}, v.sourceNode),
      h("td", {}, formatBytes(v.sizeBytes)),
      h("td", {}, v.fileCount),
      h("td", {}, admin && !v.current ? rollbackButton(ctx, name, v.version, status, reload) : null),
    ))),
  );
}

function rollbackButton(ctx: Context, name: string, version: number, status: HTMLElement, reload: () => void): HTMLElement {
  const button = h("button", { type: "button" }, `Make v${version} current`);
  button.addEventListener("click", () => {
    void (async () => {
      const ok = await confirmDialog(`Make ${name} v${version} current?`, [h("p", {}, `Nodes installed from ${name} from now on get v${version}. Nodes already installed keep what they have; nodes pinned to a version keep their pin.`)], `Make v${version} current`);
      if (!ok) return;
      try {
        await ctx.api.send("POST", path`/osimages/${name}/current`, { version });
        replace(status, notice("info", `${name}: v${version} is now current.`));
        reload();
      } catch (error) {
        replace(status, error instanceof ApiError ? notice("error", error.message, error.hint) : notice("error", String(error)));
      }
    })();
  });
  return button;
}

function diffForm(ctx: Context, name: string, versions: readonly ImageVersion[]): HTMLElement {
  const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
  const options = (): HTMLOptionElement[] => numbers.map((n) => h("option", { value: n }, `v${n}`));
  const from = h("select", { id: "diff-from" }, options());
  const to = h("select", { id: "diff-to" }, options());
  from.value = String(numbers.at(-2) ?? numbers[0] ?? "");
  to.value = String(numbers.at(-1) ?? "");
  const out = h("div", { class: "diff", "aria-live": "polite" });
  /** Long lists are drawn closed and at most SHOWN paths each; the totals are the API's, also when it truncated the lists. */
  const SHOWN = 2000;
  const list = (title: string, paths: readonly string[], total: number): HTMLElement =>
    h("details", { open: paths.length > 0 && paths.length <= 200 },
      h("summary", {}, `${title}: ${total}`),
      h("ul", {}, paths.slice(0, SHOWN).map((p) => h("li", {}, h("code", {}, p)))),
      total > Math.min(paths.length, SHOWN) ? h("p", { class: "count" }, `the first ${Math.min(paths.length, SHOWN)} of ${total} shown`) : null,
    );
  const form = h("form", { class: "diff-form", "aria-label": "Compare versions" },
    h("label", { for: "diff-from" }, "From"), from, h("label", { for: "diff-to" }, "to"), to, h("button", { type: "submit" }, "Compare"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    replace(out, h("p", { class: "loading" }, "Comparing…"));
    ctx.api.get<ImageDiff>(`${path`/osimages/${name}/diff`}?from=${from.value}&to=${to.value}`).then(
      (diff) => replace(out, list("Added", diff.added, diff.totals.added), list("Changed", diff.changed, diff.totals.changed), list("Removed", diff.removed, diff.totals.removed)),
      (error: unknown) => replace(out, notice("error", error instanceof Error ? error.message : String(error))),
    );
  });
  return h("section", { "aria-labelledby": "diff-title" }, h("h2", { id: "diff-title" }, "Difference between versions"), numbers.length < 2 ? h("p", {}, "Only one version.") : [form, out]);
}

export const imagesPage: Page = async (ctx, main, _params, name) => {
  if (name === undefined) {
    ctx.title("Images");
    const { osimages } = await ctx.api.get<{ osimages: ObjectView[] }>("/osimages");
    const rows = await Promise.all(osimages.map(async (image) => ({ image, versions: (await ctx.api.get<{ versions: ImageVersion[] }>(path`/osimages/${image.name}/versions`).catch(() => ({ versions: [] }))).versions })));
    replace(main, h("h1", {}, "Images"), rows.length === 0 ? h("p", {}, "No images yet: imgcapture makes one.") : h("table", { class: "images", "aria-label": "Images" },
      h("thead", {}, h("tr", {}, ["Image", "Current", "Versions", "Size", "Captured", "Source node"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map(({ image, versions }) => {
        const current = versions.find((v) => v.current);
        return h("tr", {},
          h("th", { scope: "row" }, h("a", { href: `#/images/${encodeURIComponent(image.name)}` }, image.name)),
          h("td", {}, current ? `v${current.version}` : ""), h("td", {}, versions.length),
          h("td", {}, current ? formatBytes(current.sizeBytes) : ""), h("td", {}, current ? formatTime(current.capturedAt) : ""), h("td", {}, current?.sourceNode ?? ""),
        );
      })),
    ));
    return;
  }
  ctx.title(`Image ${name}`);
  const status = h("div", { class: "status" });
  const body = h("div");
  const load = async (): Promise<void> => {
    const { versions } = await ctx.api.get<{ versions: ImageVersion[] }>(path`/osimages/${name}/versions`);
    replace(body, versionsTable(ctx, name, versions, status, () => void load()), diffForm(ctx, name, versions));
  };
  await load();
  const unsubscribe = ctx.live.subscribe((event) => { if (event.osimage === name && ["captured", "image-version-removed"].includes(event.kind)) void load(); });
  ctx.onLeave(unsubscribe);
  replace(main, h("p", { class: "crumbs" }, h("a", { href: "#/images" }, "Images"), " › ", name), h("h1", {}, name), status, body);
};
