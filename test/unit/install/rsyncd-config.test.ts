import { describe, expect, it } from "vitest";
import { daemonModules } from "../../../src/install/daemon-modules.js";
import { renderRsyncdConfig, renderSecrets } from "../../../src/install/rsyncd-config.js";
import { rsyncSecret } from "../../../src/install/tokens.js";
import type { InstallRecord } from "../../../src/store/installs.js";

const key = Buffer.alloc(32, 7);

function install(node: string, state: InstallRecord["state"], plan: object | undefined, id = 1, address = `10.0.0.${id}`): InstallRecord {
  return { id, node, tokenSha256: `hash-${node}`, state, osimage: "rocky9", version: 3, issuedAt: "", updatedAt: "", inventory: "", plan: plan ? JSON.stringify(plan) : "", script: "", firstbootSha256: "", address };
}

const plan = (node: string, overrides: { scope: string; name: string }[], postscripts: string[]) => ({
  node, osimage: "rocky9", version: 3, overrides, postscripts: postscripts.map((name) => ({ name })),
});

describe("rsync daemon modules from live installs", () => {
  const paths = { images: "/srv/images", overrides: "/srv/overrides", postscripts: "/var/serve/postscripts" };

  it("lets each node read exactly what its plan names, with a derived secret, from its own address", () => {
    const result = daemonModules(
      [
        install("n01", "planned", plan("n01", [{ scope: "image", name: "rocky9" }, { scope: "node", name: "n01" }], ["efibootloader"])),
        install("n02", "planned", plan("n02", [{ scope: "image", name: "rocky9" }], []), 2),
        install("n03", "issued", undefined, 3),
        install("n04", "finished", plan("n04", [{ scope: "node", name: "n04" }], []), 4),
      ],
      paths,
      key,
    );
    expect(result.modules).toEqual([
      { name: "img-rocky9-v3", path: "/srv/images/rocky9/v3/root", comment: "rocky9 v3", users: ["n01", "n02"], hosts: ["10.0.0.1", "10.0.0.2"] },
      { name: "ovr-image-rocky9", path: "/srv/overrides/rocky9", comment: "overrides for image rocky9", users: ["n01", "n02"], hosts: ["10.0.0.1", "10.0.0.2"] },
      { name: "ovr-node-n01", path: "/srv/overrides/n01", comment: "overrides for node n01", users: ["n01"], hosts: ["10.0.0.1"] },
      { name: "postscripts", path: "/var/serve/postscripts", comment: "postscripts", users: ["n01"], hosts: ["10.0.0.1"] },
    ]);
    expect([...result.secrets.keys()]).toEqual(["n01", "n02"]);
    expect(result.secrets.get("n01")).toBe(rsyncSecret(key, "hash-n01"));
    expect(result.secrets.get("n01")).not.toBe(result.secrets.get("n02"));
    expect(result.postscripts).toEqual(["efibootloader"]);
  });

  it("grants nothing to a planned install that is bound to no address", () => {
    const result = daemonModules([install("n05", "planned", plan("n05", [], []), 5, "")], paths, key);
    expect(result.modules).toEqual([]);
    expect(result.secrets.size).toBe(0);
  });

  it("renders read-only, authenticated, bounded modules and never an anonymous one", () => {
    const text = renderRsyncdConfig({
      secretsFile: "/var/s/secrets", lockFile: "/var/s/lock", pidFile: "/var/s/pid", maxConnections: 12,
      modules: [
        { name: "img-rocky9-v3", path: "/srv/images/rocky9/v3/root", comment: "rocky9 v3", users: ["n01", "n02"], hosts: ["10.0.0.1", "10.0.0.2"] },
        { name: "nobody", path: "/srv/x", comment: "no users", users: [], hosts: ["10.0.0.3"] },
        { name: "nowhere", path: "/srv/y", comment: "no hosts", users: ["n03"], hosts: [] },
      ],
    });
    expect(text).toContain("read only = yes\n");
    expect(text).toContain("[img-rocky9-v3]\n  path = /srv/images/rocky9/v3/root\n  comment = rocky9 v3\n  auth users = n01, n02\n  hosts allow = 10.0.0.1 10.0.0.2\n  hosts deny = *\n  max connections = 12\n");
    expect(text).not.toContain("[nobody]");
    expect(text).not.toContain("[nowhere]");
    expect(renderSecrets(new Map([["n01", "abc"]]))).toBe("n01:abc\n");
  });

  it("refuses values that could break out of a config line", () => {
    expect(() => renderRsyncdConfig({ secretsFile: "/x\n[evil]", lockFile: "/l", pidFile: "/p", maxConnections: 1, modules: [] })).toThrow(/unsafe/);
  });
});
