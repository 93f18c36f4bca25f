import path from "node:path";
import type { ClonePlan } from "../plan/model.js";
import { imageModule, overrideModule, postscriptsModule } from "../plan/modules.js";
import type { InstallRecord } from "../store/installs.js";
import type { RsyncModule } from "./rsyncd-config.js";
import { rsyncSecret } from "./tokens.js";

export interface ModulePaths {
  readonly images: string;
  readonly overrides: string;
  /** The postscripts the live plans name, gathered for serving. */
  readonly postscripts: string;
}

/**
 * Modules and secrets for the installs that have a plan: each node may read exactly what its plan names, with its own
 * secret, from the address its token is bound to.
 */
export function daemonModules(installs: readonly InstallRecord[], paths: ModulePaths, serverKey: Buffer): { modules: RsyncModule[]; secrets: Map<string, string>; postscripts: string[] } {
  const modules = new Map<string, { path: string; comment: string; users: Set<string>; hosts: Set<string> }>();
  const secrets = new Map<string, string>();
  const postscripts = new Set<string>();
  let install: InstallRecord;
  const grant = (name: string, dir: string, comment: string): void => {
    const module = modules.get(name) ?? { path: dir, comment, users: new Set<string>(), hosts: new Set<string>() };
    module.users.add(install.node);
    module.hosts.add(install.address);
    modules.set(name, module);
  };
  for (install of installs) {
    // A planned install is always bound to an address (its inventory came from one); without one it gets no module.
    if (install.state !== "planned" || install.plan === "" || install.address === "") continue;
    const plan = JSON.parse(install.plan) as ClonePlan;
    secrets.set(install.node, rsyncSecret(serverKey, install.tokenSha256));
    grant(imageModule(plan.osimage, plan.version), path.join(paths.images, plan.osimage, `v${plan.version}`, "root"), `${plan.osimage} v${plan.version}`);
    for (const o of plan.overrides) grant(overrideModule(o.scope, o.name), path.join(paths.overrides, o.name), `overrides for ${o.scope} ${o.name}`);
    if (plan.postscripts.length > 0) grant(postscriptsModule, paths.postscripts, "postscripts");
    for (const script of plan.postscripts) postscripts.add(script.name);
  }
  return {
    modules: [...modules].map(([name, m]) => ({ name, path: m.path, comment: m.comment, users: [...m.users].sort(), hosts: [...m.hosts].sort() })),
    secrets,
    postscripts: [...postscripts].sort(),
  };
}
