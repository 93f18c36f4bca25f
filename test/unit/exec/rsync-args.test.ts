import { describe, expect, it } from "vitest";
import { captureRsyncArgs, parseProgress2, rsyncOutcome } from "../../../src/exec/rsync-args.js";
import { knownHostsLines } from "../../../src/exec/rsh.js";
import { shellQuote } from "../../../src/format/shell.js";
import { checkImageName } from "../../../src/image/names.js";
import { combineExcludes, parseExcludeFile } from "../../../src/capture/excludes.js";

describe("capture rsync command line", () => {
  it("is archive mode with numeric ids, our rsh, link-dest and excludes", () => {
    expect(
      captureRsyncArgs({ rshProgram: "/x/rsh", host: "10.0.0.2", sourceRoot: "/", destination: "/images/a/.staging-v2/root", linkDest: "/images/a/v1/root", excludes: ["/proc/*"], progress: true }),
    ).toEqual([
      "-aHAXS", "--numeric-ids", "--delete", "--protect-args", "--rsh=/x/rsh", "--info=progress2", "--no-inc-recursive",
      "--link-dest=/images/a/v1/root", "--exclude=/proc/*", "10.0.0.2:/", "/images/a/.staging-v2/root/",
    ]);
  });

  it("judges exit codes", () => {
    expect([0, 24, 23, 12, undefined].map(rsyncOutcome)).toEqual(["ok", "vanished", "failed", "failed", "failed"]);
  });

  it("parses progress2 records", () => {
    expect(parseProgress2("     12,345,678  45%   12.34MB/s    0:00:10 (xfr#12, to-chk=0/100)")).toEqual({ bytes: 12345678, percent: 45 });
    expect(parseProgress2("sending incremental file list")).toBeUndefined();
  });

  it("gives OpenSSH a known_hosts of the pinned keys only, under one alias, and refuses what is not a key", () => {
    expect(knownHostsLines("ssh-ed25519 AAAAC3Nz,ecdsa-sha2-nistp256 AAAAE2Vj==")).toBe("sysclone-pinned ssh-ed25519 AAAAC3Nz\nsysclone-pinned ecdsa-sha2-nistp256 AAAAE2Vj==\n");
    for (const bad of ["", "ssh-ed25519 AAAA\n* ssh-rsa BBBB", "ssh-ed25519", "ssh-ed25519 AA AA", "@cert-authority * ssh-rsa AAAA"]) {
      expect(() => knownHostsLines(bad), JSON.stringify(bad)).toThrow(/pinned host key/);
    }
  });

  it("quotes words for the remote shell", () => {
    expect(shellQuote("/mnt/golden")).toBe("/mnt/golden");
    expect(shellQuote("/mnt/it's here")).toBe(`'/mnt/it'\\''s here'`);
  });
});

describe("names and excludes", () => {
  it.each(["rocky9", "rhel-9.4_compute", "a"])("accepts %s", (name) => expect(checkImageName(name)).toBe(name));
  it.each(["../x", "a b", "", ".hidden", "a/b", "x..y", "-dash"])("refuses %j", (name) => expect(() => checkImageName(name)).toThrow(/osimage name/));
  it("reads exclude files and drops duplicates", () => {
    expect(parseExcludeFile("# comment\n/scratch/*\n\n  /var/log/*.gz \n")).toEqual(["/scratch/*", "/var/log/*.gz"]);
    expect(combineExcludes(["/a", "/b"], ["/b", "/c"])).toEqual(["/a", "/b", "/c"]);
  });
});
