import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKUP_FORMAT, manifestText, parseManifest, type BackupManifest } from "../../../src/backup/manifest.js";
import { isStateFile } from "../../../src/backup/state-files.js";
import { BLOCK, isPlainMemberName, padding, parseTarHeader, tarHeader } from "../../../src/backup/tar.js";
import { isSyscloneError } from "../../../src/errors/errors.js";

const sha = "a".repeat(64);
const manifest: BackupManifest = {
  format: BACKUP_FORMAT,
  formatVersion: 1,
  sysclone: "0.1.0",
  schema: 11,
  createdAt: "2026-01-31T10:00:00.000Z",
  members: [
    { path: "var/sysclone.db", size: 4096, mode: 0o600, sha256: sha },
    { path: "var/ssh/id_ed25519", size: 400, mode: 0o600, sha256: sha },
  ],
};

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    if (isSyscloneError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("tar headers", () => {
  it("round-trip a member, short and long names (prefix field), and GNU tar's checksum rule", () => {
    for (const name of ["manifest.json", "var/ssh/id_ed25519", `var/${"d".repeat(120)}/${"f".repeat(90)}`]) {
      const block = tarHeader({ name, size: 1234, mode: 0o640, mtime: 1_700_000_000 });
      expect(block).toHaveLength(BLOCK);
      expect(parseTarHeader(block)).toEqual({ name, size: 1234, mode: 0o640, mtime: 1_700_000_000 });
    }
    expect(parseTarHeader(Buffer.alloc(BLOCK))).toBe("end");
    expect([0, 1, 511, 512, 513].map(padding)).toEqual([0, 511, 1, 0, 511]);
  });

  it.each([
    ["a damaged byte", (b: Buffer) => b.writeUInt8(0x41, 10), "checksum does not match"],
    ["a symlink", (b: Buffer) => rewrite(b, () => b.write("2", 156)), "is not a regular file"],
    ["a name with ..", (b: Buffer) => rewrite(b, () => b.write("var/../../etc/passwd\0", 0)), "is not a plain relative path"],
    ["an absolute name", (b: Buffer) => rewrite(b, () => b.write("/etc/passwd\0", 0)), "is not a plain relative path"],
    ["a size that is not octal", (b: Buffer) => rewrite(b, () => b.write("9999", 124)), "size is not an octal number"],
    ["not ustar", (b: Buffer) => rewrite(b, () => b.write("gnutar", 257)), "is not ustar"],
  ])("refuse %s", (_what, damage, why) => {
    const block = tarHeader({ name: "var/signing.key", size: 10, mode: 0o600, mtime: 0 });
    damage(block);
    expect(refusal(() => parseTarHeader(block))).toContain(why);
  });

  it("any 512 bytes are an entry, the end, or BAD_BACKUP", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: BLOCK, maxLength: BLOCK }), fc.boolean(), (bytes, fixSum) => {
        const block = Buffer.from(bytes);
        if (fixSum) rewrite(block, () => block.write("ustar\0", 257));
        try {
          const entry = parseTarHeader(block);
          if (entry !== "end") expect(isPlainMemberName(entry.name)).toBe(true);
        } catch (error) {
          expect(isSyscloneError(error, "BAD_BACKUP")).toBe(true);
        }
      }),
    );
  });
});

/** Changes a header, then sets its checksum right, so only the change is judged. */
function rewrite(block: Buffer, change: () => void): void {
  change();
  block.write("        ", 148);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
}

describe("the manifest", () => {
  it("reads back what was written", () => {
    expect(parseManifest(manifestText(manifest))).toEqual(manifest);
  });

  it.each([
    ["not JSON", "{", "its manifest is not JSON"],
    ["another format", JSON.stringify({ ...manifest, format: "tar" }), "not of format sysclone-backup"],
    ["a later format", JSON.stringify({ ...manifest, formatVersion: 2 }), "manifest format version 2"],
    ["no schema", JSON.stringify({ ...manifest, schema: "11" }), "no schema version"],
    ["a member outside var/", JSON.stringify({ ...manifest, members: [...manifest.members, { path: "images/x", size: 1, mode: 0o600, sha256: sha }] }), 'names "images/x"'],
    ["a member escaping", JSON.stringify({ ...manifest, members: [...manifest.members, { path: "var/../x", size: 1, mode: 0o600, sha256: sha }] }), 'names "var/../x"'],
    ["a short checksum", JSON.stringify({ ...manifest, members: [{ ...manifest.members[0], sha256: "ab" }] }), "sha256 is not 64 hex digits"],
    ["a member twice", JSON.stringify({ ...manifest, members: [manifest.members[0], manifest.members[0]] }), "names a member twice"],
    ["no database", JSON.stringify({ ...manifest, members: manifest.members.slice(1) }), "has no database"],
  ])("refuses %s", (_what, text, why) => {
    expect(refusal(() => parseManifest(text))).toMatch(new RegExp(`^BAD_BACKUP: not a sysclone backup: .*${why.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });

  it("any text or JSON value is a manifest or BAD_BACKUP", () => {
    const check = (text: string): void => {
      try {
        parseManifest(text);
      } catch (error) {
        expect(isSyscloneError(error, "BAD_BACKUP")).toBe(true);
      }
    };
    fc.assert(fc.property(fc.string(), check));
    fc.assert(fc.property(fc.jsonValue(), (value) => check(JSON.stringify(value))));
    fc.assert(fc.property(fc.record({ format: fc.constant(BACKUP_FORMAT), formatVersion: fc.constant(1), sysclone: fc.string(), schema: fc.integer(), createdAt: fc.string(), members: fc.array(fc.record({ path: fc.string(), size: fc.integer(), mode: fc.integer(), sha256: fc.string() })) }), (value) => check(JSON.stringify(value))));
  });
});

describe("what under var/ is state", () => {
  it.each([
    ["signing.key", true],
    ["server.key", true],
    ["secrets.key", true],
    ["ssh/id_ed25519", true],
    ["ssh/id_ed25519.pub", true],
    ["sysclone.db", false],
    ["sysclone.db-wal", false],
    ["sysclone.db-shm", false],
    ["serve.lock", false],
    ["x.tmp", false],
    [".hidden", false],
    ["logs/n01/install-1.log", false],
    ["cache/golden/x", false],
    ["backups/sysclone.db.v8-20260101T000000000Z", false],
    ["serve/rsyncd/rsyncd.conf", false],
    ["ssh", false],
  ])("%s: %s", (relative, state) => {
    expect(isStateFile(relative)).toBe(state);
  });
});
