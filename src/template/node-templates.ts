import path from "node:path";
import type { OverrideScope } from "../plan/modules.js";
import type { PlannedTemplate } from "../plan/model.js";
import { renderOverrideTemplates } from "./overrides.js";
import type { TemplateContext } from "./render.js";

/** The node's overrides, each with its `*.tmpl` files rendered for the node (none: no templates field). Refuses with BAD_TEMPLATE. */
export async function withTemplates(
  overridesDir: string,
  overrides: readonly { readonly scope: OverrideScope; readonly name: string }[],
  context: TemplateContext,
): Promise<{ scope: OverrideScope; name: string; templates?: readonly PlannedTemplate[] }[]> {
  const out: { scope: OverrideScope; name: string; templates?: readonly PlannedTemplate[] }[] = [];
  for (const o of overrides) {
    const templates = await renderOverrideTemplates(path.join(overridesDir, o.name), `overrides/${o.name}`, context);
    out.push({ scope: o.scope, name: o.name, ...(templates.length > 0 ? { templates } : {}) });
  }
  return out;
}
