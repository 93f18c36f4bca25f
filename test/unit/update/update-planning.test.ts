import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { updatenode } from "../../../src/cli/updatenode.js";
import { bootTrees, bootTreesDiffer, changedPaths, touchesBoot } from "../../../src/update/boot-change.js";
import { defaultKeepList, keepList } from "../../../src/update/keep.js";
import { nodeOnlyMountExcludes, exactPathExcludes, parseProbe, ancestorProtects } from "../../../src/update/live-node.js";
import { chooseSteps, parsePostscriptNames } from "../../../src/update/steps.js";
import { destinationDirectory, parseSynclist } from "../../../src/update/synclist.js";
import { uuidMapBetween } from "../../../src/update/uuid-map.js";
import type { Layout } from "../../../src/layout/model.js";
import { REMOTE_PATH, parsePostscriptRun, renderPostscriptRun } from "../../../src/update/postscript-run.js";

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return isSyscloneError(error) ? error.code : "not a SyscloneError";
  }
  return undefined;
}

describe("synclist", () => {
  it("reads file and directory lines, comments, and sources relative to the synclist", () => {
    const entries = parseSynclist(
      "# site files\n/srv/ntp.conf -> /etc/ntp.conf\nfiles/a files/b -> /etc/app/   # two into a dir\n\nconf.d/ -> /etc/conf.d/\n",
      "/srv/sync/compute.synclist",
    );
    expect(entries).toEqual([
      { line: 2, sources: ["/srv/ntp.conf"], destination: "/etc/ntp.conf" },
      { line: 3, sources: ["/srv/sync/files/a", "/srv/sync/files/b"], destination: "/etc/app/" },
      { line: 5, sources: ["/srv/sync/conf.d/"], destination: "/etc/conf.d/" },
    ]);
    expect(entries.map(destinationDirectory)).toEqual(["/etc", "/etc/app/", "/etc/conf.d/"]);
  });

  it.each([
    ["/a /etc/x", "exactly one"],
    ["/a -> etc/x", "absolute"],
    ["/a -> /etc/../root/x", '".."'],
    ["/a /b -> /etc/x", "directory destination"],
    ["/a -> /b -> /c", "exactly one"],
  ])("refuses %j with a message naming the line", (line, words) => {
    try {
      parseSynclist(`# ok\n${line}\n`, "/s/list");
      expect.unreachable();
    } catch (error) {
      expect(isSyscloneError(error, "BAD_SYNCLIST")).toBe(true);
      expect((error as Error).message).toContain("/s/list line 2");
      expect((error as Error).message).toContain(words);
    }
  });
});

describe("keep list", () => {
  it("always keeps the node's identity, network, fstab and host keys", () => {
    for (const path of ["/etc/hostname", "/etc/machine-id", "/etc/fstab", "/etc/ssh/ssh_host_*", "/etc/network/interfaces", "/etc/netplan/*"]) {
      expect(defaultKeepList).toContain(path);
    }
  });
  it("adds the image's and the node's patterns once each and refuses relative ones", () => {
    const list = keepList("/opt/site/*,/etc/hostname", " /etc/slurm/slurm.key ");
    expect(list.slice(defaultKeepList.length)).toEqual(["/opt/site/*", "/etc/slurm/slurm.key"]);
    expect(codeOf(() => keepList("etc/x"))).toBe("BAD_ATTRIBUTE");
    expect(codeOf(() => keepList("/etc/../x"))).toBe("BAD_ATTRIBUTE");
  });
});

describe("delta outcome", () => {
  const output = [
    ".d..t...... etc/",
    ">f.st...... etc/motd",
    ">f+++++++++ usr/bin/new-tool",
    "cL+++++++++ usr/bin/link -> new-tool",
    "*deleting   usr/bin/old-tool",
    ".d..t...... boot/",
    ">f..t...... boot/grub/grub.cfg",
    "cd+++++++++ opt/new/",
  ].join("\n");

  it("counts changed and deleted paths, but not directories whose time alone changed", () => {
    expect(changedPaths(output)).toEqual({
      changed: ["etc/motd", "usr/bin/new-tool", "usr/bin/link", "boot/grub/grub.cfg", "opt/new/"],
      deleted: ["usr/bin/old-tool"],
    });
  });

  it("knows when the boot loader must be rerun", () => {
    expect(touchesBoot(["etc/motd", "boot/grub/grub.cfg"], undefined)).toBe(true);
    expect(touchesBoot(["etc/motd", "bootstrap/x"], undefined)).toBe(false);
    expect(touchesBoot(["efi/EFI/debian/grubx64.efi"], "/efi")).toBe(true);
    expect(touchesBoot(["efi/EFI/debian/grubx64.efi"], undefined)).toBe(false);
    expect(touchesBoot(["boot"], "/boot/efi")).toBe(false);
  });

  it("compares the boot trees of two image versions by their manifests", () => {
    expect(bootTrees("/boot/efi")).toEqual(["boot"]);
    expect(bootTrees("/efi")).toEqual(["boot", "efi"]);
    const v1 = [
      { path: "/etc/motd", type: "f" as const, mode: "0644", uid: 0, gid: 0, size: 3, sha256: "a" },
      { path: "/boot/grub/grub.cfg", type: "f" as const, mode: "0644", uid: 0, gid: 0, size: 10, sha256: "b" },
    ];
    const motdOnly = [{ ...v1[0]!, sha256: "c" }, v1[1]!];
    expect(bootTreesDiffer(v1, motdOnly, ["boot"])).toBe(false);
    expect(bootTreesDiffer(v1, [v1[0]!, { ...v1[1]!, sha256: "d" }], ["boot"])).toBe(true);
    expect(bootTreesDiffer(v1, [...v1, { path: "/efi/EFI/x", type: "f" as const, mode: "0644", uid: 0, gid: 0, size: 1, sha256: "e" }], ["boot", "efi"])).toBe(true);
    expect(bootTreesDiffer(v1, [v1[0]!], ["boot"])).toBe(true);
  });

  it("pairs golden and node UUIDs by mount point", () => {
    const image = "UUID=aaaa-1 / ext4 defaults 0 1\nUUID=BBBB-2 /boot/efi vfat umask=077 0 2\n/dev/sdb1 /data xfs defaults 0 2\n# UUID=cccc / x\n";
    const node = "UUID=1111-1 / ext4 defaults 0 1\nUUID=2222-2 /boot/efi vfat umask=077 0 2\nUUID=3333 /data xfs defaults 0 2\n";
    expect(uuidMapBetween(image, node)).toBe("aaaa-1=1111-1 BBBB-2=2222-2");
    expect(uuidMapBetween(image, image)).toBe("");
  });
});

describe("live node", () => {
  const probe = parseProbe(
    "FIRMWARE=uefi\nMOUNT=/ ext4\nMOUNT=/proc proc\nMOUNT=/home nfs4\nMOUNT=/scratch\\040space xfs\nMOUNT=/boot/efi vfat\nROOT_DEVICE=/dev/sda2\nROOT_UUID=1111\nESP=/boot/efi\nBOOT_DISK=/dev/sda\nMAC=52:54:00:AA:00:01\nMAC=00:00:00:00:00:00\n",
  );
  const layout = { disks: [], raids: [], volumeGroups: [], devstyle: "", filesystems: [{ mp: "/" }, { mp: "/boot/efi" }, { mp: "/var" }] } as unknown as Layout;

  it("reads the probe", () => {
    expect(probe).toMatchObject({ firmware: "uefi", rootDevice: "/dev/sda2", rootUuid: "1111", esp: "/boot/efi", bootDisk: "/dev/sda" });
    expect(probe.macs).toEqual(["52:54:00:aa:00:01", "00:00:00:00:00:00"]);
  });
  it("keeps a delta out of the node's own mounts", () => {
    expect(nodeOnlyMountExcludes(probe, layout)).toEqual(["/proc/*", "/home/*", "/scratch space/*"]);
    expect(exactPathExcludes(["etc/motd", "/etc/a*b", "/etc/motd"])).toEqual(["/etc/motd", "/etc/a\\*b"]);
  });
  it("protects the directories that hold synced and overridden files", () => {
    expect(ancestorProtects(["etc/app.d/a.conf", "/etc/app.d/b.conf", "etc/motd"])).toEqual(["P /etc/", "P /etc/app.d/"]);
  });
});

describe("updatenode steps and flags", () => {
  it("runs -F, -S, -P with no flag, and -k alone", () => {
    expect(chooseSteps({ keys: false, sync: false, software: false, postscripts: false })).toEqual(["sync", "software", "postscripts"]);
    expect(chooseSteps({ keys: false, sync: false, software: true, postscripts: ["a"] })).toEqual(["software", "postscripts"]);
    expect(chooseSteps({ keys: true, sync: false, software: false, postscripts: false })).toEqual(["keys"]);
    expect(parsePostscriptNames("update_network, efibootloader")).toEqual(["update_network", "efibootloader"]);
    expect(codeOf(() => parsePostscriptNames("../../bin/sh"))).toBe("USAGE");
  });
  it("reads -P's optional list after the noderange", () => {
    const rewrite = (argv: string[]): string[] => updatenode.rewriteArgv?.(argv) ?? argv;
    expect(rewrite(["n01", "-P", "a,b"])).toEqual(["n01", "-P", "--scripts=a,b"]);
    expect(rewrite(["n01", "-P", "-S"])).toEqual(["n01", "-P", "-S"]);
    expect(rewrite(["n01", "-P"])).toEqual(["n01", "-P"]);
  });
});

describe("postscript run on a live node", () => {
  const scripts = [{ name: "one", content: "#!/bin/sh\necho one\n" }, { name: "two", content: "#!/bin/sh\nexit 3\n" }];

  it("renders one program: probe, then each script with only the documented environment", () => {
    const program = renderPostscriptRun({
      probeScript: "#!/bin/sh\necho FIRMWARE=uefi\ntrue\n",
      environment: { NODE: "n01", FIRMWARE: "ignored: the node says", UUID_MAP: "a=b c=d" },
      definedMacs: ["52:54:00:00:00:01"],
      layoutEsp: "/boot/efi",
      scripts,
    });
    expect(program).toContain("sc_probe() {\necho FIRMWARE=uefi\ntrue\n}");
    expect(program).toContain("printf '%s\\n' '#!/bin/sh\necho one' >\"$dir/0\"\n");
    expect(program).toContain('chmod 700 "$dir/0" "$dir/1"\n');
    expect(program).toContain(`env -i PATH=${REMOTE_PATH} NODE=n01 'UUID_MAP=a=b c=d' FIRMWARE="$FIRMWARE"`);
    expect(program).not.toContain("ignored");
    expect(program.indexOf("@@sysclone-postscript one begin")).toBeLessThan(program.indexOf("@@sysclone-postscript two begin"));
  });

  it("splits the output by script and knows which one failed or never ran", () => {
    const output = "@@sysclone-postscript one begin\nhello\n@@sysclone-postscript one exit 0\n@@sysclone-postscript two begin\nbad\n@@sysclone-postscript two exit 3\n";
    expect(parsePostscriptRun(["one", "two", "three"], output)).toEqual([
      { name: "one", exitCode: 0, output: "hello" },
      { name: "two", exitCode: 3, output: "bad" },
      { name: "three", exitCode: undefined, output: "" },
    ]);
  });
});
