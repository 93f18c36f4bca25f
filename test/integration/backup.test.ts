import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveHome } from "../../src/config/paths.js";
import { loadOrCreateSigningKey, signingKeyFile } from "../../src/install/signing.js";
import { newestVersion } from "../../src/store/upgrade.js";
import { cliOk, runCli, type CliResult } from "../helpers/cli.js";
import { startServe } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

const root = mkdtempSync(path.join(tmpdir(), "sysclone-backup-"));
const homeA = path.join(root, "a");
const homeB = path.join(root, "b");
const archive = path.join(root, "state.tar");
let operatorToken = "";

/** Every file and directory under `dir` with its mode and, for a file, its sha256: what "changes nothing" compares. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const child = path.join(relative, name);
      const full = path.join(dir, child);
      const info = lstatSync(full);
      if (info.isDirectory()) {
        out.push(`${child}/ ${(info.mode & 0o777).toString(8)}`);
        walk(child);
      } else out.push(`${child} ${(info.mode & 0o777).toString(8)} ${info.isFile() ? createHash("sha256").update(readFileSync(full)).digest("hex") : "link"}`);
    }
  };
  walk("");
  return out;
}

/** A fresh home as a package install leaves it: the directory, var/ and images/ (0700), nothing in them. */
function freshHome(name: string): string {
  const home = path.join(root, name);
  for (const dir of [home, path.join(home, "var"), path.join(home, "images")]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const dir of [path.join(home, "var"), path.join(home, "images")]) chmodSync(dir, 0o700);
  return home;
}

function firstLine(result: CliResult): string {
  return result.stderr.trim();
}

/** The remote CLI with a token, against a server (the home it is given stays untouched). */
function remoteCli(url: string, token: string, command: string, args: readonly string[]): Promise<CliResult> {
  return runCli(path.join(root, "remote"), command, args, { env: { SYSCLONE_URL: url, SYSCLONE_TOKEN: token } });
}

/** A captured version record and its files, as imgcapture leaves them (a capture needs a golden client; the test needs the record). */
async function captureRecord(home: string): Promise<void> {
  const paths = resolveHome({ SYSCLONE_HOME: home });
  const dir = path.join(paths.images, "rocky9", "v1");
  await mkdir(path.join(dir, "root", "etc"), { recursive: true });
  await writeFile(path.join(dir, "root", "etc", "hostname"), "golden\n");
  const capturedAt = "2026-11-01T10:00:00.000Z";
  await writeFile(path.join(dir, "image.json"), JSON.stringify({ name: "rocky9", version: 1, sourceNode: "golden01", capturedAt, root: "", kernels: [], runningKernel: "", sizeBytes: 7, fileCount: 1, newBytes: 7, manifestSha256: "", excludes: [] }));
  await writeFile(path.join(dir, "manifest.jsonl"), "");
  await symlink("v1", path.join(paths.images, "rocky9", "current"));
  withHomeStore(home, (store) => {
    store.addImageVersion({ osimage: "rocky9", version: 1, sourceNode: "golden01", capturedAt, kernel: "6.1.0", sizeBytes: 7, fileCount: 1, newBytes: 7, manifestSha256: "" });
    store.updateObject("osimage", "rocky9", { currentversion: "1" });
  });
}

const views: [string, string[]][] = [
  ["lsdef", ["-a", "--json"]],
  ["lsimage", ["--json"]],
  ["nodestat", ["--json"]],
  ["sysclone", ["user", "list", "--json"]],
  ["sysclone", ["token", "list", "--json"]],
];

beforeAll(async () => {
  freshHome("a");
  const stanzas = "rack1:\n  objtype=group\nrocky9:\n  objtype=osimage\nn01:\n  objtype=node\n  groups=rack1\n  osimage=rocky9\n  mac=52:54:00:00:00:01\nn02:\n  objtype=node\n  groups=rack1\n  osimage=rocky9\n  mac=52:54:00:00:00:02\n";
  const defined = await runCli(homeA, "mkdef", ["-z"], { input: stanzas });
  expect(defined.code, defined.stderr).toBe(0);
  const sealed = await runCli(homeA, "chdef", ["n01", "bmcpassword=-"], { input: "s3cret-bmc\n" });
  expect(sealed.code, sealed.stderr).toBe(0);
  await captureRecord(homeA);
  await cliOk(homeA, "sysclone", "user", "add", "olga", "--role", "operator", "--groups", "rack1");
  operatorToken = (JSON.parse(await cliOk(homeA, "sysclone", "token", "add", "olga", "--json")) as { token: string }).token;
  await cliOk(homeA, "sysclone", "keys");
  await loadOrCreateSigningKey(signingKeyFile(path.join(homeA, "var")));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("sysclone backup and restore", () => {
  it("backs up the state into one 0600 tar with a manifest that GNU tar reads too; not the images", async () => {
    const made = JSON.parse(await cliOk(homeA, "sysclone", "backup", archive, "--json")) as { file: string; schema: number; members: { path: string; sha256: string }[] };
    expect(made.file).toBe(archive);
    expect(made.schema).toBe(newestVersion());
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    expect(made.members.map((m) => m.path).sort()).toEqual(["var/secrets.key", "var/signing.key", "var/ssh/id_ed25519", "var/ssh/id_ed25519.pub", "var/sysclone.db"]);
    for (const member of made.members.filter((m) => m.path !== "var/sysclone.db")) {
      expect(member.sha256, member.path).toBe(createHash("sha256").update(readFileSync(path.join(homeA, member.path))).digest("hex"));
    }
    const listed = execFileSync("tar", ["-tf", archive], { encoding: "utf8" }).trim().split("\n");
    expect(listed).toEqual(["manifest.json", ...made.members.map((m) => m.path)]);
    const audit = JSON.parse(await cliOk(homeA, "sysclone", "audit", "--json")) as { action: string; type: string; name: string }[];
    expect(audit.filter((a) => a.type === "home").map((a) => [a.action, a.name])).toEqual([["backup", homeA]]);
  });

  it("restores into an empty home: lsdef, lsimage, nodestat, users and tokens agree; keys and sealed secrets come back", async () => {
    freshHome("b");
    const restored = await runCli(homeB, "sysclone", ["restore", archive, "--json"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect((JSON.parse(restored.stdout) as { restored: Record<string, number> }).restored).toEqual({ nodes: 2, groups: 1, osimages: 1, image_versions: 1, users: 1, api_tokens: 2 });
    // The images travel apart, as the README says.
    execFileSync("rsync", ["-aH", `${path.join(homeA, "images")}/`, `${path.join(homeB, "images")}/`]);
    const seen = await Promise.all(views.map(([command, args]) => Promise.all([cliOk(homeA, command, ...args), cliOk(homeB, command, ...args)])));
    for (const [i, [a, b]] of seen.entries()) {
      // Paths name each home; everything else is the same.
      expect(b.replaceAll(homeB, "HOME"), views[i]?.join(" ")).toBe(a.replaceAll(homeA, "HOME"));
      expect(a, views[i]?.join(" ")).not.toBe("[]\n");
    }
    expect(await cliOk(homeB, "lsimage")).toContain("v1");
    for (const file of ["var/signing.key", "var/secrets.key", "var/ssh/id_ed25519"]) {
      expect(readFileSync(path.join(homeB, file)), file).toEqual(readFileSync(path.join(homeA, file)));
      expect(statSync(path.join(homeB, file)).mode & 0o777, file).toBe(0o600);
    }
    expect(statSync(path.join(homeB, "var")).mode & 0o777).toBe(0o700);
    expect(withHomeStore(homeB, (store) => store.revealSecret("node", "n01", "bmcpassword"))).toBe("s3cret-bmc");
    expect(readdirSync(homeB).sort()).toEqual(["images", "var"]);
  });

  it("a restored token still authenticates against sysclone serve, in its scope", async () => {
    const serve = await startServe(homeB, "127.0.0.1", 20800, 20801);
    try {
      const listed = await remoteCli(serve.url, operatorToken, "nodels", []);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.trim().split("\n")).toEqual(["n01", "n02"]);
      const forged = await remoteCli(serve.url, `${operatorToken.slice(0, -4)}AAAA`, "nodels", []);
      expect(forged.code).not.toBe(0);
      // Not under a running server, even with --force.
      const before = snapshot(path.join(homeB, "var")).filter((entry) => !entry.startsWith("sysclone.db") && !entry.startsWith("logs"));
      const busy = await runCli(homeB, "sysclone", ["restore", archive, "--force"]);
      expect(busy.code).toBe(50);
      expect(firstLine(busy)).toMatch(/^error \[ALREADY_SERVING\]: another sysclone serve \(pid \d+\) is running on this home — stop it first/);
      expect(snapshot(path.join(homeB, "var")).filter((entry) => !entry.startsWith("sysclone.db") && !entry.startsWith("logs"))).toEqual(before);
      expect(readdirSync(homeB).sort()).toEqual(["images", "var"]);
    } finally {
      await serve.stop();
    }
  });

  it("refuses to restore over a home whose database holds anything, and changes nothing; --force keeps the old state aside", async () => {
    const before = snapshot(homeB);
    const refused = await runCli(homeB, "sysclone", ["restore", archive]);
    expect(refused.code).toBe(81);
    expect(firstLine(refused)).toBe(`error [HOME_NOT_EMPTY]: refusing to restore over ${homeB}: it holds 2 nodes, 1 group, 1 osimage, 1 image version, 1 user, 2 tokens; nothing was changed — restore into a fresh home, or add --force to replace its state (the current var/ is kept as var.before-restore-TIME)`);
    expect(snapshot(homeB)).toEqual(before);
    await cliOk(homeB, "rmdef", "-t", "node", "n02");
    await cliOk(homeB, "sysclone", "restore", archive, "--force");
    expect(await cliOk(homeB, "nodels")).toBe("n01\nn02\n");
    const aside = readdirSync(homeB).filter((name) => name.startsWith("var.before-restore-"));
    expect(aside).toHaveLength(1);
    expect(existsSync(path.join(homeB, aside[0] ?? "", "sysclone.db"))).toBe(true);
  });

  it("refuses a damaged, cut short or newer backup before touching the home", async () => {
    const bytes = readFileSync(archive);
    const damaged = Buffer.from(bytes);
    // A byte inside the database's data (after the manifest's header, data and the database's header).
    const at = bytes.indexOf(Buffer.from("SQLite format 3\0")) + 2000;
    damaged[at] = (damaged[at] ?? 0) ^ 0xff;
    const newer = path.join(root, "newer");
    mkdirSync(newer);
    execFileSync("tar", ["-xf", archive, "-C", newer]);
    const manifest = JSON.parse(readFileSync(path.join(newer, "manifest.json"), "utf8")) as { schema: number; members: { path: string }[] };
    writeFileSync(path.join(newer, "manifest.json"), JSON.stringify({ ...manifest, schema: newestVersion() + 1 }));
    const newerArchive = path.join(root, "newer.tar");
    execFileSync("tar", ["--format=ustar", "-cf", newerArchive, "-C", newer, "manifest.json", ...manifest.members.map((m) => m.path)]);
    for (const [name, content, code, line] of [
      ["damaged.tar", damaged, 82, "error [BAD_BACKUP]: not a sysclone backup: var/sysclone.db does not match its checksum (the file is damaged) — give the file `sysclone backup` wrote, whole and unchanged"],
      ["short.tar", bytes.subarray(0, 20_000), 82, "error [BAD_BACKUP]: not a sysclone backup: it ends inside var/sysclone.db (the file is cut short) — give the file `sysclone backup` wrote, whole and unchanged"],
      ["newer.tar", readFileSync(newerArchive), 83, `error [BACKUP_TOO_NEW]: ${path.join(root, "newer.tar")} was made by sysclone 0.1.0 at schema version ${newestVersion() + 1}, newer than this sysclone knows (${newestVersion()}); nothing was restored — install that sysclone version (or a newer one) and restore with it`],
    ] as const) {
      writeFileSync(path.join(root, name), content);
      const home = freshHome(`fresh-${name}`);
      const before = snapshot(home);
      const refused = await runCli(home, "sysclone", ["restore", path.join(root, name)]);
      expect(refused.code, name).toBe(code);
      expect(firstLine(refused), name).toBe(line);
      expect(snapshot(home), name).toEqual(before);
    }
  });
});
