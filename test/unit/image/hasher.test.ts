import { createHash } from "node:crypto";
import { link, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HashPool, TreeHasher, unescapeRsyncName } from "../../../src/image/hasher.js";
import { buildManifest } from "../../../src/image/manifest.js";
import { copiedFileName } from "../../../src/exec/rsync-args.js";

const sha = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sysclone-hasher-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("hashing a captured tree beside the copy", () => {
  it("HashPool hashes many files through openssl batches, names with spaces, newlines and backslashes included", async () => {
    const names = ["a", "with space", "new\nline", "back\\slash", "-leading-dash", ...Array.from({ length: 600 }, (_, i) => `many/f${i}`)];
    await mkdir(path.join(root, "many"));
    for (const name of names) await writeFile(path.join(root, name), `content of ${name}`);
    const pool = new HashPool(root);
    const { lstatSync } = await import("node:fs");
    const [sums] = await Promise.all([Promise.all(names.map((name) => pool.hash(name, lstatSync(path.join(root, name))))), pool.close()]);
    expect(sums).toEqual(names.map((name) => sha(`content of ${name}`)));
  });

  it("HashPool hashes in this process when xargs or openssl cannot run, and after close()", async () => {
    const names = ["one", "two", "three"];
    for (const name of names) await writeFile(path.join(root, name), `body ${name}`);
    const { lstatSync } = await import("node:fs");
    const savedPath = process.env["PATH"];
    process.env["PATH"] = root;
    try {
      const pool = new HashPool(root, 1);
      const [sums] = await Promise.all([Promise.all(names.map((name) => pool.hash(name, lstatSync(path.join(root, name))))), pool.close()]);
      expect(sums).toEqual(names.map((name) => sha(`body ${name}`)));
    } finally {
      process.env["PATH"] = savedPath;
    }
    const pool = new HashPool(root, 1);
    await pool.close();
    expect(await pool.hash("one", lstatSync(path.join(root, "one")))).toBe(sha("body one"));
  });

  it("hashes each file the copy names once the next is named, as rsync names a file before it lands, and the last at finish", async () => {
    const hasher = new TreeHasher(root);
    // As rsync does: a name, then the file in place, then the next name.
    for (const name of ["first", "second", "third"]) {
      hasher.add(name);
      await writeFile(path.join(root, `.${name}.tmp`), `body of ${name}`);
      const { rename } = await import("node:fs/promises");
      await rename(path.join(root, `.${name}.tmp`), path.join(root, name));
    }
    const early = await hasher.finish();
    expect(new Map([...early].map(([name, hashed]) => [name, hashed.sha256]))).toEqual(new Map(["first", "second", "third"].map((name) => [name, sha(`body of ${name}`)])));
  });

  it("a hash taken while the copy ran is not reused for a file changed after it (same size, new mtime), nor for a file replaced", async () => {
    await writeFile(path.join(root, "kept"), "kept one");
    await writeFile(path.join(root, "changed"), "version1");
    await writeFile(path.join(root, "replaced"), "old body");
    const hasher = new TreeHasher(root);
    for (const name of ["kept", "changed", "replaced", "missing", "dir/"]) hasher.add(name);
    const early = await hasher.finish();
    expect([...early.keys()].sort()).toEqual(["changed", "kept", "replaced"]);
    await writeFile(path.join(root, "changed"), "version2");
    await utimes(path.join(root, "changed"), new Date(), new Date(Date.now() + 5000));
    await rm(path.join(root, "replaced"));
    await writeFile(path.join(root, "replaced"), "new body");
    const manifest = await buildManifest(root, { hashed: early });
    const byPath = new Map(manifest.entries.map((e) => [e.path, e.sha256]));
    expect(byPath.get("/kept")).toBe(sha("kept one"));
    expect(byPath.get("/changed")).toBe(sha("version2"));
    expect(byPath.get("/replaced")).toBe(sha("new body"));
  });

  it("an early hash that is a lie is used only while the file is the one it was taken from", async () => {
    await writeFile(path.join(root, "f"), "real");
    const { lstatSync } = await import("node:fs");
    const stats = lstatSync(path.join(root, "f"));
    const identity = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
    const lie = new Map([["f", { ...identity, sha256: "0".repeat(64) }]]);
    // Same identity: trusted (this is what lets the capture skip a second read).
    expect((await buildManifest(root, { hashed: lie })).entries.find((e) => e.path === "/f")?.sha256).toBe("0".repeat(64));
    await utimes(path.join(root, "f"), new Date(), new Date(Date.now() + 5000));
    expect((await buildManifest(root, { hashed: lie })).entries.find((e) => e.path === "/f")?.sha256).toBe(sha("real"));
  });

  it("never opens what is not a regular file (a fifo would block) and hashes hard links once", async () => {
    const { execFileSync } = await import("node:child_process");
    execFileSync("mkfifo", [path.join(root, "fifo")]);
    await symlink("/dev/zero", path.join(root, "zero-link"));
    await writeFile(path.join(root, "a"), "shared");
    await link(path.join(root, "a"), path.join(root, "b"));
    const hasher = new TreeHasher(root);
    for (const name of ["fifo", "zero-link", "a", "b"]) hasher.add(name);
    expect([...(await hasher.finish()).keys()].sort()).toEqual(["a", "b"]);
    const manifest = await buildManifest(root);
    expect(manifest.entries.filter((e) => e.type === "f").map((e) => e.sha256)).toEqual([sha("shared"), sha("shared")]);
    expect(manifest.entries.find((e) => e.path === "/zero-link")?.target).toBe("/dev/zero");
  });
});

describe("rsync's --out-format lines", () => {
  it("name each file; other output is not a name", () => {
    expect(copiedFileName("sysclone-file: etc/passwd")).toBe("etc/passwd");
    expect(copiedFileName("      3,040   0%    0.00kB/s    0:00:00 (xfr#2, to-chk=1331/1334)")).toBeUndefined();
  });

  it("escapes come back as the bytes they stand for, and any text round-trips", () => {
    expect(unescapeRsyncName("caf\\#303\\#251/new\\#012line")).toBe("café/new\nline");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }).filter((name) => !name.includes("\\")), (name) => {
        const escaped = [...Buffer.from(name, "utf8")].map((byte) => (byte < 0x20 || byte >= 0x7f ? `\\#${byte.toString(8).padStart(3, "0")}` : String.fromCharCode(byte))).join("");
        expect(unescapeRsyncName(escaped)).toBe(name);
      }),
    );
  });
});
