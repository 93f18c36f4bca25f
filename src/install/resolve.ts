import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { SyscloneError } from "../errors/errors.js";
import type { ImageRepository } from "../image/repository.js";
import type { Layout } from "../layout/model.js";
import { parseLayoutXml } from "../layout/xml.js";
import { pinnedVersionOf } from "../objects/pin.js";
import type { Attributes } from "../objects/schema.js";
import type { OverrideScope } from "../plan/modules.js";
import type { PlannedTemplate } from "../plan/model.js";
import type { PlanImage, PlanNode } from "../plan/planner.js";
import { withTemplates } from "../template/node-templates.js";
import type { Store } from "../store/store.js";
import { parseHwreq, type HwreqRule } from "../inventory/hwreq.js";

export interface NodeTarget {
  readonly node: PlanNode;
  readonly image: PlanImage;
  readonly layout: Layout;
  /** Override directories that exist, in the order they apply, each with its `*.tmpl` files rendered for the node. */
  readonly overrides: readonly { readonly scope: OverrideScope; readonly name: string; readonly templates?: readonly PlannedTemplate[] }[];
  readonly postscripts: readonly string[];
  /** Pre-install scripts by name, in order: the osimage's, the groups' (strongest last), the node's. */
  readonly prescripts: readonly string[];
  /** The hardware requirements that apply: the osimage's, each group's and the node's own; every rule of each must hold. */
  readonly hwreq: readonly { readonly source: string; readonly rules: readonly HwreqRule[] }[];
}

const list = (value: string | undefined): string[] => (value ?? "").split(",").filter((v) => v !== "");

/** A node's post- or pre-install scripts: the osimage's, its groups' (weakest first), its own; each once, where it first appears. Pure. */
export function scriptsOf(attribute: "postscripts" | "prescripts", osimage: Attributes, groups: readonly { readonly attributes: Attributes | undefined }[], node: Attributes): string[] {
  return [...new Set([...list(osimage[attribute]), ...groups.flatMap((g) => list(g.attributes?.[attribute])), ...list(node[attribute])])];
}

/** The node's groups, the one that wins an override conflict (lowest priority number) last. */
export function groupsByPriority(store: Store, node: Attributes): { name: string; attributes: Attributes | undefined }[] {
  return list(node["groups"])
    .map((name, index) => ({ name, index, attributes: store.getObject("group", name) }))
    .sort((a, b) => Number(b.attributes?.["priority"] ?? 50) - Number(a.attributes?.["priority"] ?? 50) || b.index - a.index)
    .map(({ name, attributes }) => ({ name, attributes }));
}

/** The node's image: its own osimage attribute, else its strongest group's. */
export function osimageOf(store: Store, name: string): string {
  const node = store.requireObject("node", name);
  const own = node["osimage"];
  if (own) return own;
  const fromGroup = [...groupsByPriority(store, node)].reverse().find((g) => g.attributes?.["osimage"]);
  if (fromGroup?.attributes?.["osimage"]) return fromGroup.attributes["osimage"];
  throw new SyscloneError("UNKNOWN_OBJECT", `node ${name} has no osimage`, { hint: `nodeset ${name} osimage=NAME, or chdef ${name} osimage=NAME` });
}

/** The node's own transport, else its strongest group's, else its osimage's. */
function transportOf(own: string | undefined, groups: readonly { attributes: Attributes | undefined }[], image: string | undefined): PlanImage["transport"] {
  const chosen = own || [...groups].reverse().find((g) => g.attributes?.["transport"])?.attributes?.["transport"] || image;
  return chosen === "archive" || chosen === "multicast" ? chosen : "rsync";
}

/** Everything the planner needs about a node, read from the store and the repository. */
export async function resolveNodeTarget(store: Store, repository: ImageRepository, overridesDir: string, name: string, osimageName?: string): Promise<NodeTarget> {
  const node = store.requireObject("node", name);
  const imageName = osimageName ?? osimageOf(store, name);
  const osimage = store.requireObject("osimage", imageName);
  // A version pinned by nodeset osimage=NAME@N, else the image's current one.
  const pinned = pinnedVersionOf(node, imageName);
  if (pinned !== undefined && !(await repository.versions(imageName)).includes(pinned)) {
    throw new SyscloneError("NO_IMAGE_VERSION", `node ${name} is pinned to ${imageName} v${pinned}, which the repository no longer holds`, { hint: `pin another version (nodeset ${name} osimage=${imageName}@N) or follow the current one (nodeset ${name} osimage=${imageName})` });
  }
  const version = pinned ?? (await repository.currentVersion(imageName));
  if (version === undefined) {
    throw new SyscloneError("NO_IMAGE_VERSION", `osimage ${imageName} has no captured version`, { hint: `capture one: imgcapture GOLDEN -t sysclone -o ${imageName}` });
  }
  const info = await repository.info(imageName, version);
  const layout = parseLayoutXml(await readFile(path.join(repository.versionDir(imageName, version), "layout.xml"), "utf8"));
  const groups = groupsByPriority(store, node);
  const candidates: { scope: OverrideScope; name: string }[] = [
    { scope: "image", name: imageName },
    ...groups.map((g) => ({ scope: "group" as const, name: g.name })),
    { scope: "node", name },
  ];
  const postscripts = scriptsOf("postscripts", osimage, groups, node);
  const prescripts = scriptsOf("prescripts", osimage, groups, node);
  const hwreq = [
    { source: `osimage ${imageName}`, rules: parseHwreq(osimage["hwreq"] ?? "") },
    ...groups.map((g) => ({ source: `group ${g.name}`, rules: parseHwreq(g.attributes?.["hwreq"] ?? "") })),
    { source: `node ${name}`, rules: parseHwreq(node["hwreq"] ?? "") },
  ].filter((set) => set.rules.length > 0);
  return {
    node: {
      name,
      ...(node["hostname"] ? { hostname: node["hostname"] } : {}),
      ...(node["ip"] ? { ip: node["ip"] } : {}),
      ...(node["netmask"] ? { netmask: node["netmask"] } : {}),
      ...(node["gateway"] ? { gateway: node["gateway"] } : {}),
      ...(node["nameservers"] ? { nameservers: node["nameservers"] } : {}),
      ...(node["nicmode"] ? { nicmode: node["nicmode"] } : {}),
      allowSmaller: node["allowsmaller"] === "yes",
      wipe: node["destiny"] === "wipe,install",
      finalAction: (node["finalaction"] || "reboot") as PlanNode["finalAction"],
    },
    image: {
      name: imageName,
      version,
      usedBytes: info.sizeBytes,
      allowSmaller: osimage["allowsmaller"] === "yes",
      transport: transportOf(node["transport"], groups, osimage["transport"]),
      multicastFallbackSeconds: Number(osimage["mcastfallback"] || 120),
      verify: osimage["verify"] !== "no",
    },
    layout,
    // An unknown placeholder refuses here, before any plan: BAD_TEMPLATE with the file and line.
    overrides: await withTemplates(overridesDir, candidates.filter((c) => existsSync(path.join(overridesDir, c.name))), { node: { name, attributes: node }, groups, osimage: { name: imageName, version, attributes: osimage } }),
    postscripts,
    prescripts,
    hwreq,
  };
}
