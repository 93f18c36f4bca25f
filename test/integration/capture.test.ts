import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinExcludes } from "../../src/capture/excludes.js";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { withRshEnvironment } from "../../src/exec/rsh.js";
import { resolveHome } from "../../src/config/paths.js";
import { readManifest } from "../../src/image/manifest.js";
import { parseLayoutXml } from "../../src/layout/xml.js";
import { populateFidelityTree } from "../helpers/fidelity-tree.js";
import { projectRoot, runCli } from "../helpers/cli.js";

let golden: GoldenClient;
let home: string;
const image = "rocky9";

async function differences(source: string, copy: string): Promise<string[]> {
  const result = await run("rsync", [
    "-naciHAXS", "--numeric-ids", "--delete", ...builtinExcludes.map((p) => `--exclude=${p}`), `${source}/`, `${copy}/`,
  ]);
  expect(result.exitCode).toBe(0);
  return result.stdoutTail.split("\n").filter((line) => line.trim() !== "");
}

async function capture(...extra: string[]) {
  return runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", image, "--root", golden.root, ...extra]);
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  golden = await createGoldenClient({ populate: (root) => populateFidelityTree(root) });
  const keys = await runCli(home, "sysclone", ["keys"]);
  expect(keys.code).toBe(0);
  await golden.authorize(keys.stdout);
  const made = await runCli(home, "mkdef", ["-t", "node", "golden01", `ip=${golden.address}`, "groups=golden"]);
  expect(made.code, made.stderr).toBe(0);
});

afterAll(async () => {
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("imgcapture over ssh2 into the repository", () => {
  it("captures the tree exactly, with its layout, manifest and pinned host key", async () => {
    const result = await capture();
    expect(result.code, result.stderr).toBe(0);
    const v1 = path.join(home, "images", image, "v1");
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v1");
    expect(await differences(golden.root, path.join(v1, "root"))).toEqual([]);
    expect(existsSync(path.join(v1, "root", "tmp", "scratch"))).toBe(false);
    expect(existsSync(path.join(v1, "root", "proc", "stale"))).toBe(false);
    expect(existsSync(path.join(v1, "root", "tmp"))).toBe(true);

    const layout = parseLayoutXml(await readFile(path.join(v1, "layout.xml"), "utf8"));
    expect(layout.disks).toHaveLength(2);
    expect(layout.disks.every((d) => d.labelType === "none")).toBe(true);
    expect(layout.filesystems.filter((f) => f.format).map((f) => [f.mp, f.fs])).toEqual([["/", "ext4"], ["/var", "ext4"]]);
    expect(layout.filesystems.find((f) => f.mp === "/proc")?.format).toBe(false);

    const manifest = await readManifest(path.join(v1, "manifest.jsonl"));
    const byPath = new Map(manifest.map((e) => [e.path, e]));
    const expectedHash = createHash("sha256").update("hard linked content\n").digest("hex");
    expect(byPath.get("/srv/fidelity/hard-a")?.sha256).toBe(expectedHash);
    expect(byPath.get("/srv/fidelity/nested/hard-c")?.sha256).toBe(expectedHash);
    expect(byPath.get("/srv/fidelity/char-dev")?.type).toBe("c");
    expect(byPath.get("/srv/fidelity/fifo")?.type).toBe("p");
    expect(byPath.get("/srv/fidelity/dangling-link")).toMatchObject({ type: "l", target: "/does/not/exist", uid: 4321 });
    expect(byPath.get("/srv/fidelity/setuid")).toMatchObject({ mode: "4755", uid: 4321, gid: 5432 });
    expect(byPath.get("/srv/fidelity/name\nwith\nnewlines")?.type).toBe("f");
    const sparse = await stat(path.join(v1, "root", "srv", "fidelity", "sparse"));
    expect(sparse.blocks * 512).toBeLessThan(1024 * 1024);

    const node = await runCli(home, "lsdef", ["golden01", "--json"]);
    expect((JSON.parse(node.stdout) as { hostkey: string }[])[0]?.hostkey).toBe(golden.hostKeyPublic);
    const listed = await runCli(home, "lsimage", [image, "--json"]);
    const rows = JSON.parse(listed.stdout) as { name: string; current: number; versions: { version: number; sourceNode: string; sizeBytes: number }[] }[];
    expect(rows[0]).toMatchObject({ name: image, current: 1 });
    expect(rows[0]?.versions[0]).toMatchObject({ version: 1, sourceNode: "golden01" });
    expect(rows[0]?.versions[0]?.sizeBytes).toBeGreaterThan(48 * 1024 * 1024);
    const osimage = await runCli(home, "lsdef", ["-t", "osimage", image]);
    expect(osimage.stdout).toContain("provmethod=sysclone");
    expect(osimage.stdout).toContain("versions=v1");
    expect(await readFile(path.join(home, "images", "cluster.xml"), "utf8")).toContain("<node>golden01</node>");
  });

  it("re-captures a 1% change as version 2 sharing every unchanged inode", async () => {
    await appendFile(path.join(golden.root, "home", "user", "notes.txt"), "changed\n");
    await writeFile(path.join(golden.root, "var", "lib", "app", "file-7"), "rewritten\n");
    await writeFile(path.join(golden.root, "srv", "new-file"), "new\n");
    await rm(path.join(golden.root, "var", "lib", "app", "file-8"));
    const result = await capture();
    expect(result.code, result.stderr).toBe(0);
    const v1 = path.join(home, "images", image, "v1", "root");
    const v2 = path.join(home, "images", image, "v2", "root");
    expect(await differences(golden.root, v2)).toEqual([]);
    for (const unchanged of ["srv/fidelity/large", "srv/fidelity/hard-a", "var/lib/app/file-9", "etc/fstab"]) {
      expect((await stat(path.join(v2, unchanged))).ino, unchanged).toBe((await stat(path.join(v1, unchanged))).ino);
    }
    expect((await stat(path.join(v2, "var/lib/app/file-7"))).ino).not.toBe((await stat(path.join(v1, "var/lib/app/file-7"))).ino);
    expect(existsSync(path.join(v2, "var/lib/app/file-8"))).toBe(false);
    expect(existsSync(path.join(v1, "var/lib/app/file-8"))).toBe(true);
    const info = JSON.parse(await readFile(path.join(home, "images", image, "v2", "image.json"), "utf8")) as { newBytes: number };
    expect(info.newBytes).toBeLessThan(64 * 1024);
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v2");
  });

  it("leaves version 2 intact when a capture is killed half-way, and cleans up on the next run", async () => {
    await writeFile(path.join(golden.root, "srv", "big-change"), Buffer.alloc(160 * 1024 * 1024, 7));
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", "imgcapture.js"), "golden01", "-t", "sysclone", "-o", image, "--root", golden.root], {
      env: { ...process.env, SYSCLONE_HOME: home },
      detached: true,
      stdio: "ignore",
    });
    const staging = path.join(home, "images", image, ".staging-v3", "root", "srv");
    for (let i = 0; i < 600 && !existsSync(staging); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(staging)).toBe(true);
    process.kill(-(child.pid ?? 0), "SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v2");
    expect(existsSync(path.join(home, "images", image, "v3"))).toBe(false);
    const v2 = path.join(home, "images", image, "v2");
    const manifest = await readManifest(path.join(v2, "manifest.jsonl"));
    const notes = manifest.find((e) => e.path === "/home/user/notes.txt");
    expect(await readFile(path.join(v2, "root", "home", "user", "notes.txt"), "utf8")).toBe("golden\nchanged\n");
    expect(notes?.size).toBe(15);

    const again = await capture();
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(path.join(home, "images", image, ".staging-v3"))).toBe(false);
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v3");
    expect(await differences(golden.root, path.join(home, "images", image, "v3", "root"))).toEqual([]);
  });

  it("keeps only the configured number of versions", async () => {
    expect((await runCli(home, "chdef", ["-t", "osimage", image, "retain=2"])).code).toBe(0);
    const result = await capture();
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(home, "images", image, "v2"))).toBe(false);
    expect(existsSync(path.join(home, "images", image, "v3"))).toBe(true);
    expect(existsSync(path.join(home, "images", image, "v4"))).toBe(true);
    const listed = JSON.parse((await runCli(home, "lsimage", [image, "--json"])).stdout) as { versions: { version: number }[] }[];
    expect(listed[0]?.versions.map((v) => v.version)).toEqual([3, 4]);
  });

  it("audits every capture and every removal of a version as changes to the osimage", async () => {
    expect((await runCli(home, "rmimage", [image, "-v", "3"])).code).toBe(0);
    const entries = JSON.parse((await runCli(home, "sysclone", ["audit", "-t", "osimage", image, "--json"])).stdout) as { action: string; actor: string; before: Record<string, string> | null; after: Record<string, string> | null }[];
    const captures = entries.filter((e) => e.action === "imgcapture");
    expect(captures.length).toBeGreaterThanOrEqual(4);
    expect(captures.at(-1)).toMatchObject({ actor: "root", before: { currentversion: "3" }, after: { currentversion: "4" } });
    expect(entries.at(-1)).toMatchObject({ action: "rmimage", before: { version: "3" }, after: { version: "" } });
  });
});

describe("imgcapture refuses bad input with one clear line and changes nothing", () => {
  const cases: [string, () => Promise<{ code: number | null; stderr: string }>, string, number][] = [
    ["unknown node", () => runCli(home, "imgcapture", ["nobody", "-t", "sysclone", "-o", image]), "UNKNOWN_OBJECT", 4],
    ["-t other than sysclone", () => runCli(home, "imgcapture", ["golden01", "-t", "netboot", "-o", image]), "UNSUPPORTED_PROVMETHOD", 2],
    ["osimage ../x", () => runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "../x"]), "BAD_NAME", 2],
    ["osimage 'a b'", () => runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "a b"]), "BAD_NAME", 2],
    ["empty osimage", () => runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", ""]), "BAD_NAME", 2],
    ["bad noderange", () => runCli(home, "nodels", ["node[1-"]), "BAD_NODERANGE", 2],
  ];
  it.each(cases)("%s", async (_name, act, code, exit) => {
    const before = await readlink(path.join(home, "images", image, "current"));
    const result = await act();
    expect(result.code).toBe(exit);
    expect(result.stderr).toContain(`[${code}]`);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(await readlink(path.join(home, "images", image, "current"))).toBe(before);
  });

  it("malformed layout XML", async () => {
    const bad = path.join(home, "bad-layout.xml");
    await writeFile(bad, "<config><disk dev='/dev/sda'><part num='1'</disk></config>");
    const result = await capture("--layout", bad);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("[BAD_LAYOUT]");
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v4");
  });

  it("unreachable host", async () => {
    expect((await runCli(home, "mkdef", ["ghost", `ip=${golden.address.replace(/\.2$/, ".77")}`])).code).toBe(0);
    const result = await runCli(home, "imgcapture", ["ghost", "-t", "sysclone", "-o", "ghostimage"]);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain("[SSH_UNREACHABLE]");
    expect(existsSync(path.join(home, "images", "ghostimage"))).toBe(false);
  });

  it("a changed host key is refused, with how to re-pin", async () => {
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0mEtLvh3mFC6lo5Kfuhz+8+88H92+K7Ia027FFQns2";
    expect((await runCli(home, "mkdef", ["impostor", `ip=${golden.address}`, `hostkey=${other}`])).code).toBe(0);
    const result = await runCli(home, "imgcapture", ["impostor", "-t", "sysclone", "-o", image, "--root", golden.root]);
    expect(result.code).toBe(12);
    expect(result.stderr).toContain("[SSH_HOSTKEY_CHANGED]");
    expect(result.stderr).toContain("chdef impostor hostkey=");
    expect(await readlink(path.join(home, "images", image, "current"))).toBe("v4");
  });

  it("rsync's transport (bin/sysclone-rsh, OpenSSH) logs in with our key and trusts only the pinned host key", async () => {
    const rsh = path.join(projectRoot, "bin", "sysclone-rsh");
    const key = resolveHome({ SYSCLONE_HOME: home }).privateKey;
    const given: string[] = [];
    const list = (pinned: string) =>
      withRshEnvironment({ port: 22, user: "root" }, key, pinned, (env) => {
        given.push(env["SYSCLONE_RSH_KNOWN_HOSTS"] ?? "");
        return run("rsync", ["--list-only", "--protect-args", `--rsh=${rsh}`, `${golden.address}:${golden.root}/`], { env: { ...env, HOME: home } });
      });
    const good = await list(golden.hostKeyPublic);
    expect(good.exitCode, good.stderrTail).toBe(0);
    expect(good.stdoutTail).toMatch(/ etc\n/);
    const impostor = await list("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE0mEtLvh3mFC6lo5Kfuhz+8+88H92+K7Ia027FFQns2");
    expect(impostor.exitCode).not.toBe(0);
    expect(impostor.stderrTail).toContain("Host key verification failed");
    // The known_hosts it was given is gone once rsync is done.
    expect(given).toHaveLength(2);
    for (const file of given) expect(existsSync(path.dirname(file)), file).toBe(false);
  });

  it("a refused key says to install ours", async () => {
    await golden.authorize("");
    try {
      const result = await capture();
      expect(result.code).toBe(11);
      expect(result.stderr).toContain("[SSH_AUTH_REFUSED]");
      expect(result.stderr).toContain("sysclone keys");
    } finally {
      await golden.authorize((await runCli(home, "sysclone", ["keys"])).stdout);
    }
  });

  it("a golden client without rsync is named as such", async () => {
    await golden.startSshdWithoutRsync(2222);
    expect((await runCli(home, "mkdef", ["norsync", `ip=${golden.address}`, "sshport=2222"])).code).toBe(0);
    const result = await runCli(home, "imgcapture", ["norsync", "-t", "sysclone", "-o", "norsyncimage", "--root", golden.root]);
    expect(result.code).toBe(14);
    expect(result.stderr).toContain("[NO_RSYNC_ON_CLIENT]");
    expect(existsSync(path.join(home, "images", "norsyncimage"))).toBe(false);
  });
});

describe("capturing a chroot", () => {
  it("refuses a directory that is no mount point without --layout, and captures it with one", async () => {
    const chroot = path.join(golden.root, "srv", "fidelity", "nested");
    const refused = await runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "chroot", "--root", chroot]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("--layout");
    const layoutFile = path.join(home, "images", image, "current", "layout.xml");
    const result = await runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "chroot", "--root", chroot, "--layout", layoutFile]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(home, "images", "chroot", "v1", "layout.xml"), "utf8")).toBe(await readFile(layoutFile, "utf8"));
    expect(await differences(chroot, path.join(home, "images", "chroot", "v1", "root"))).toEqual([]);
  });
});

describe("the golden client's SSH host keys", () => {
  it("are captured without their private halves: each clone makes its own", async () => {
    const tree = path.join(golden.root, "srv", "keyed");
    await mkdir(path.join(tree, "etc", "ssh"), { recursive: true });
    await must("ssh-keygen", ["-A", "-f", tree]);
    await writeFile(path.join(tree, "etc", "ssh", "sshd_config"), "HostKey /etc/ssh/ssh_host_ed25519_key\n");
    await writeFile(path.join(tree, "etc", "ssh", "ssh_host_key"), "legacy protocol 1 key\n");
    const layoutFile = path.join(home, "images", image, "current", "layout.xml");
    const result = await runCli(home, "imgcapture", ["golden01", "-t", "sysclone", "-o", "keyed", "--root", tree, "--layout", layoutFile]);
    expect(result.code, result.stderr).toBe(0);
    const ssh = path.join(home, "images", "keyed", "v1", "root", "etc", "ssh");
    const types = ["rsa", "ecdsa", "ed25519"];
    expect((await readdir(ssh)).sort()).toEqual(["sshd_config", ...types.map((t) => `ssh_host_${t}_key.pub`)].sort());
    for (const type of types) expect(await readFile(path.join(ssh, `ssh_host_${type}_key.pub`), "utf8")).toBe(await readFile(path.join(tree, "etc", "ssh", `ssh_host_${type}_key.pub`), "utf8"));
    const manifest = await readManifest(path.join(home, "images", "keyed", "v1", "manifest.jsonl"));
    expect(manifest.map((e) => e.path).filter((p) => p.startsWith("/etc/ssh/")).sort()).toEqual(["/etc/ssh/sshd_config", ...types.map((t) => `/etc/ssh/ssh_host_${t}_key.pub`)].sort());
    const info = JSON.parse(await readFile(path.join(home, "images", "keyed", "v1", "image.json"), "utf8")) as { excludes: string[] };
    expect(info.excludes).toContain("/etc/ssh/ssh_host_*_key");
  });
});
