/** Names of the rsync daemon's modules, shared by the planner (which points nodes at them) and the daemon's config. */

export type OverrideScope = "image" | "group" | "node";

export function imageModule(osimage: string, version: number): string {
  return `img-${osimage}-v${version}`;
}

export function overrideModule(scope: OverrideScope, name: string): string {
  return `ovr-${scope}-${name}`;
}

export const postscriptsModule = "postscripts";

export function rsyncUrl(base: string, user: string, module: string, subpath = ""): string {
  const url = new URL(base);
  return `rsync://${user}@${url.host}/${module}/${subpath}`;
}
