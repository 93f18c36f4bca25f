import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { describeHostKeys, hostKeyFingerprint, isPinnedHostKey, parseFingerprint, parseHostKey, pinnedHostKeys } from "../../../src/exec/ssh.js";

// Public keys made with ssh-keygen for this test; the fingerprints are what `ssh-keygen -lf` printed for them.
const ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJQcO3dmZOochUi1kW5uSslB9WlivNNYo5w48R2TBTK9";
const ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGzCZqmEuGu44na1jKYUQ+oRvv5GwyW0s1S/whC2Zx7PDfc1q5UXr+Nr7KpCgv9xf8HV3HzKN8SnjhuyKiy+/3I=";
const rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDrJi/b0PJd6LsFeIUFNjw3KeaC68EbPcZvi4piwgtFUjNjI6vmOjFJaKz1uXrZ1Upa+QZomFx2fdH0uEBe9+jXnlo0FisyMDAgiGHSkQOXOtzDSyAZJaiIn5zACp9ldeWSfrT4y6cEqvy/4h0gNayTegUkI+FkNRrC/llSXglg6Q==";
const ed25519Fingerprint = "SHA256:HTTpUg5QUnj/zgTpSzEWee9OkRiFmAuheV0jDbFu2mM";
const rsaFingerprint = "SHA256:N5qdzODjA8myRJDbrVT5ZYyGh4CPFvb27+2a64EHaNo";

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return isSyscloneError(error) ? error.code : "not a SyscloneError";
  }
  return undefined;
}

describe("host keys a clone reports", () => {
  it.each([ed25519, ecdsa, rsa])("accepts %s as a .pub line, with or without its comment", (key) => {
    expect(parseHostKey(key)).toBe(key);
    expect(parseHostKey(`${key} root@n01\n`)).toBe(key);
  });

  it.each([
    ["an empty line", ""],
    ["a type alone", "ssh-ed25519"],
    ["DSA, which OpenSSH no longer makes", `ssh-dss ${ed25519.split(" ")[1] ?? ""}`],
    ["a type that does not match the key", `ssh-rsa ${ed25519.split(" ")[1] ?? ""}`],
    ["a key cut short", ed25519.slice(0, -8)],
    ["a key of the right length that is no key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0"],
    ["not base64", "ssh-ed25519 AAAA$AAA"],
    ["a private key", "-----BEGIN OPENSSH PRIVATE KEY-----"],
    ["a comment with a newline in it", `${ed25519} a\nb`],
  ])("refuses %s", (_what, text) => {
    expect(codeOf(() => parseHostKey(text))).toBe("BAD_HOSTKEY");
  });

  it("accepts or refuses arbitrary input with BAD_HOSTKEY, never another error", () => {
    const keyish = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"), fc.base64String()).map(([type, blob]) => `${type} ${blob}`),
      fc.tuple(fc.constantFrom(ed25519, ecdsa, rsa), fc.nat(), fc.string({ maxLength: 3 })).map(([key, at, text]) => `${key.slice(0, at % key.length)}${text}${key.slice(at % key.length)}`),
    );
    fc.assert(
      fc.property(keyish, (text) => {
        const code = codeOf(() => parseHostKey(text));
        expect(code === undefined || code === "BAD_HOSTKEY").toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("fingerprints as ssh-keygen -lf does", () => {
    expect(hostKeyFingerprint(ed25519)).toBe(ed25519Fingerprint);
    expect(hostKeyFingerprint(rsa)).toBe(rsaFingerprint);
  });
});

describe("pinned host keys", () => {
  it("a node's hostkey attribute holds one key or the several its first boot reported", () => {
    expect(pinnedHostKeys(undefined)).toEqual([]);
    expect(pinnedHostKeys("")).toEqual([]);
    expect(pinnedHostKeys(ed25519)).toEqual([ed25519]);
    expect(pinnedHostKeys(`${ecdsa},${ed25519}, ${rsa}`)).toEqual([ecdsa, ed25519, rsa]);
    expect(isPinnedHostKey(`${ecdsa},${ed25519}`, ed25519)).toBe(true);
    expect(isPinnedHostKey(`${ecdsa},${ed25519}`, rsa)).toBe(false);
    expect(isPinnedHostKey(undefined, rsa)).toBe(false);
    expect(describeHostKeys(`${ed25519},${rsa}`)).toBe(`${ed25519Fingerprint}, ${rsaFingerprint}`);
    expect(describeHostKeys("")).toBe("none");
  });

  it("--fingerprint takes OpenSSH's SHA256 form only", () => {
    expect(parseFingerprint(ed25519Fingerprint)).toBe(ed25519Fingerprint);
    for (const bad of ["", "SHA256:short", ed25519Fingerprint.replace("SHA256:", "MD5:"), `${ed25519Fingerprint}=`, `${ed25519Fingerprint}\n`]) {
      expect(codeOf(() => parseFingerprint(bad)), bad).toBe("BAD_HOSTKEY");
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const code = codeOf(() => parseFingerprint(text));
        expect(code === undefined || code === "BAD_HOSTKEY").toBe(true);
      }),
    );
  });
});
