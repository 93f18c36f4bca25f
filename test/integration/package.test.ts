import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimeNeeds, testOnlyTools } from "../../src/package/depends.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { projectRoot } from "../helpers/cli.js";
import { buildPackage, installIntoFreshRoot, modeOf, type InstalledRoot } from "../helpers/debian-package.js";

const packageJson = JSON.parse(await readFile(path.join(projectRoot, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
const commands = Object.keys(packageJson.bin);
let deb: string;
let contents: Map<string, { mode: string; owner: string }>;
let installed: InstalledRoot | undefined;
const timings: Record<string, number> = {};

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = Date.now() - started;
  }
}

beforeAll(async () => {
  deb = await timed("package", buildPackage);
  // The listing is longer than a run's output tail: through a file.
  const file = path.join(path.dirname(deb), "contents.txt");
  await must("sh", ["-c", 'dpkg-deb --contents "$1" >"$2"', "sh", deb, file]);
  const listing = await readFile(file, "utf8");
  await rm(file);
  contents = new Map(listing.split("\n").filter((line) => line !== "").map((line) => {
    const fields = line.split(/\s+/);
    return [(fields[5] ?? "").replace(/^\./, "").replace(/\/$/, "") || "/", { mode: fields[0] ?? "", owner: fields[1] ?? "" }];
  }));
}, 300_000);

afterAll(async () => {
  await installed?.destroy();
  console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
});

describe("npm run package: dist/sysclone_<version>_amd64.deb", () => {
  it("is named by the version and says what it needs: the spawned programs' packages, the libraries', nothing test-only", async () => {
    expect(path.basename(deb)).toBe(`sysclone_${packageJson.version}_amd64.deb`);
    const field = async (name: string): Promise<string> => (await must("dpkg-deb", ["-f", deb, name])).stdoutTail.trim();
    expect(await field("Package")).toBe("sysclone");
    expect(await field("Architecture")).toBe("amd64");
    const depends = (await field("Depends")).split(", ").map((relation) => relation.replace(/ \(.*\)$/, ""));
    for (const name of ["rsync", "dnsmasq-base", "ipxe", "udpcast", "busybox-static", "libc6", "libstdc++6"]) expect(depends).toContain(name);
    for (const need of runtimeNeeds.filter((n) => n.need === "depends")) expect(depends).toContain(need.package);
    const recommends = (await field("Recommends")).split(", ");
    for (const name of [...depends, ...recommends]) expect(["qemu-system-x86", "debootstrap", "openipmi", "chromium", "nodejs", "shellcheck"]).not.toContain(name);
    expect(await field("Depends")).toMatch(/libc6 \(>= [\d.]+\)/);
    expect((await must("dpkg-deb", ["--info", deb])).stdoutTail).toMatch(/conffiles/);
  });

  it("holds the commands of package.json \"bin\", the code, the runtime and production modules only, with the modes dpkg should give them", () => {
    for (const name of commands) {
      expect(contents.get(`/usr/bin/${name}`)?.mode, name).toBe("-rwxr-xr-x");
      expect(contents.get(`/usr/lib/sysclone/${packageJson.bin[name] ?? ""}`)?.mode, name).toBe("-rwxr-xr-x");
    }
    for (const file of [
      "/usr/lib/sysclone/node/bin/node", "/usr/lib/sysclone/bin/sysclone-rsh", "/usr/lib/sysclone/agent/initrd/build.sh", "/usr/lib/sysclone/agent/collector.sh",
    ]) expect(contents.get(file)?.mode, file).toBe("-rwxr-xr-x");
    for (const file of [
      "/etc/sysclone/sysclone.conf", "/lib/systemd/system/sysclone.service", "/usr/share/doc/sysclone/copyright", "/usr/lib/sysclone/package.json",
      "/usr/lib/sysclone/dist/src/cli/main.js", "/usr/lib/sysclone/dist/server/main.js", "/usr/lib/sysclone/server/templates/boot.ipxe",
      "/usr/lib/sysclone/server/dashboard/public/index.html", "/usr/lib/sysclone/dist/server/dashboard/client/main.js",
      "/usr/lib/sysclone/node_modules/better-sqlite3/build/Release/better_sqlite3.node", "/usr/lib/sysclone/node_modules/fastify/package.json",
    ]) expect(contents.get(file)?.mode, file).toBe("-rw-r--r--");
    for (const dir of ["/usr/lib/sysclone/postscripts", "/usr/lib/sysclone/agent/clone"]) expect(contents.get(dir)?.mode, dir).toBe("drwxr-xr-x");
    for (const [file, entry] of contents) {
      expect(entry.owner, file).toBe("root/root");
      expect(entry.mode, file).not.toMatch(/^.{5}w|^.{8}w/);
    }
    const names = [...contents.keys()];
    for (const devOnly of ["typescript", "vitest", "playwright-core", "fast-check", "eslint"]) expect(names.filter((f) => f.startsWith(`/usr/lib/sysclone/node_modules/${devOnly}/`)), devOnly).toEqual([]);
    // Our own code ships compiled, without maps or benches; modules ship what their authors publish, minus build byproducts.
    const ours = names.filter((f) => f.startsWith("/usr/lib/sysclone/") && !f.includes("/node_modules/"));
    expect(ours.filter((f) => f.endsWith(".map") || f.endsWith(".ts") || f.includes("/dist/bench/") || f.includes("/dist/test/"))).toEqual([]);
    expect(names.filter((f) => f.includes("/obj.target/") || f.endsWith(".o") || f.includes("/better-sqlite3/deps/"))).toEqual([]);
  });

  it("has a man page for every command when the build has the generator", async () => {
    const generator = await stat(path.join(projectRoot, "dist", "src", "docs", "write-man-pages.js")).then(() => true, () => false);
    const pages = [...contents.keys()].filter((f) => f.startsWith("/usr/share/man/man1/") && f.endsWith(".1.gz"));
    if (!generator) {
      expect(pages).toEqual([]);
      return;
    }
    for (const name of commands) expect(pages, name).toContain(`/usr/share/man/man1/${name}.1.gz`);
  });

  it("names the right Debian package for every program it depends on (dpkg -S on this machine)", async () => {
    // Where each tool is here (a recommended one may be absent), and that path as dpkg knows it (usrmerge: /bin, not /usr/bin).
    const located = (await must("sh", ["-c", 'for t; do case $t in /*) p=$t ;; *) p=$(command -v "$t") || continue ;; esac; echo "$t $p $(readlink -f "$p" | sed -E "s#^/usr/(s?bin|lib)/#/\\1/#")"; done', "sh", ...runtimeNeeds.map((n) => n.tool)]))
      .stdoutTail.trim().split("\n").map((line) => line.split(" ") as [string, string, string]);
    const dpkgOwners = async (paths: string[]): Promise<Map<string, string>> => new Map((await run("dpkg", ["-S", ...paths])).stdoutTail.trim().split("\n")
      .map((line) => [line.slice(line.indexOf(": ") + 2), line.slice(0, line.indexOf(":"))] as [string, string]));
    const byPath = await dpkgOwners(located.map(([, where]) => where));
    const byAlias = await dpkgOwners(located.map(([, , alias]) => alias));
    const owners = new Map(located.map(([tool, where, alias]) => [tool, byPath.get(where) ?? byAlias.get(alias)]));
    for (const need of runtimeNeeds) if (owners.has(need.tool)) expect(owners.get(need.tool), need.tool).toBe(need.package);
    expect(owners.size).toBeGreaterThanOrEqual(runtimeNeeds.filter((n) => n.need !== "recommends").length);
    expect(testOnlyTools).not.toContain("rsync");
  });
});

describe("it installs into a fresh Debian 12 root (apt from a local repository, no network)", () => {
  beforeAll(async () => {
    installed = await timed("install", () => installIntoFreshRoot(deb));
  }, 600_000);

  it("gives the commands on PATH, the home 0700, the conffile, the enabled service; the server's config checks out and commands work against /var/lib/sysclone", async () => {
    const root = installed!.root;
    expect(await modeOf(path.join(root, "var", "lib", "sysclone"))).toBe("0700");
    expect((await installed!.chroot(["systemctl", "is-enabled", "sysclone.service"])).stdoutTail.trim()).toBe("enabled");
    expect((await installed!.chroot(["dpkg-query", "-W", "-f", "${Conffiles}", "sysclone"])).stdoutTail).toContain("/etc/sysclone/sysclone.conf");
    for (const name of commands) expect((await installed!.chroot(["sh", "-c", `command -v ${name}`])).stdoutTail.trim(), name).toBe(`/usr/bin/${name}`);
    const check = await installed!.chroot(["sysclone", "serve", "--config", "/etc/sysclone/sysclone.conf", "--check"]);
    expect(check.stdoutTail + check.stderrTail).toBe("/etc/sysclone/sysclone.conf: ok (listen 127.0.0.1:8080, url http://127.0.0.1:8080)\n");
    const made = await installed!.chroot(["mkdef", "-t", "node", "n01", "mac=52:54:00:19:00:01"]);
    expect(made.exitCode, made.stderrTail).toBe(0);
    expect((await installed!.chroot(["nodels"])).stdoutTail).toBe("n01\n");
    expect(await modeOf(path.join(root, "var", "lib", "sysclone", "var", "sysclone.db"))).toBe("0600");
    const bad = await installed!.chroot(["sysclone", "serve", "--config", "/etc/sysclone/sysclone.conf", "--retry-seconds", "soon"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderrTail).toContain('error [USAGE]: --retry-seconds "soon" is not a positive whole number');
  });

  it("remove keeps the config and /var/lib/sysclone; purge removes the config and still keeps the images and database", async () => {
    const root = installed!.root;
    const removed = await installed!.chroot(["dpkg", "--remove", "sysclone"]);
    expect(removed.exitCode, removed.stderrTail).toBe(0);
    await expect(stat(path.join(root, "usr", "bin", "sysclone"))).rejects.toThrow();
    expect((await stat(path.join(root, "etc", "sysclone", "sysclone.conf"))).isFile()).toBe(true);
    expect((await stat(path.join(root, "var", "lib", "sysclone", "var", "sysclone.db"))).isFile()).toBe(true);
    const purged = await installed!.chroot(["dpkg", "--purge", "sysclone"]);
    expect(purged.exitCode, purged.stderrTail).toBe(0);
    expect(purged.stderrTail).toContain("/var/lib/sysclone (images, database, keys) is kept");
    await expect(stat(path.join(root, "etc", "sysclone"))).rejects.toThrow();
    expect((await stat(path.join(root, "var", "lib", "sysclone", "var", "sysclone.db"))).isFile()).toBe(true);
    await expect(stat(path.join(root, "usr", "lib", "sysclone"))).rejects.toThrow();
  });
});
