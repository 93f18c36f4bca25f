import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaBuild } from "../../src/cli/media.js";
import { mkdef } from "../../src/cli/mkdef.js";
import { runInProcess } from "../helpers/in-process.js";
import { withHomeStore } from "../helpers/store.js";

let home: string;
let work: string;

/** A file's contents inside the ISO, as xorriso extracts it. */
function fromIso(iso: string, file: string): string {
  const out = path.join(work, `extract-${path.basename(file)}`);
  execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", file, out], { stdio: "ignore" });
  return readFileSync(out, "utf8");
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-media-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-media-"));
  expect((await runInProcess(home, mkdef, ["-t", "osimage", "img1"])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n07", "mac=52:54:00:00:00:07"])).code).toBe(0);
  // Stand-ins for the clone kernel and initrd: the ISO only carries them.
  const netboot = path.join(home, "images", "img1", "netboot");
  await mkdir(netboot, { recursive: true });
  await writeFile(path.join(netboot, "kernel"), "KERNEL".repeat(100_000));
  await writeFile(path.join(netboot, "initrd.img"), "INITRD".repeat(200_000));
  await writeFile(path.join(netboot, "netboot.json"), JSON.stringify({ imageVersion: 4 }));
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("sysclone media build", () => {
  it("writes a hybrid ISO that boots on BIOS (isolinux, MBR) and UEFI (El Torito EFI image with BOOTX64.EFI), carrying the kernel, initrd and server", async () => {
    const iso = path.join(work, "n07.iso");
    const result = await runInProcess(home, mediaBuild, ["img1", "-o", iso, "--node", "n07", "--ip", "10.0.0.57/24", "--gw", "10.0.0.1", "--server", "http://10.0.0.1:8080", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { output: string; firmware: string[]; kernelArgs: string; version: number };
    expect(json).toMatchObject({ output: iso, firmware: ["bios", "uefi"], version: 4 });
    expect(json.kernelArgs).toBe("console=tty0 console=ttyS0,115200 sysclone.server=http://10.0.0.1:8080 sysclone.node=n07 sysclone.ip=10.0.0.57/24 sysclone.gw=10.0.0.1 sysclone.media=1 sysclone.onfail=shell");

    expect(execFileSync("file", ["-b", iso], { encoding: "utf8" })).toMatch(/^ISO 9660 CD-ROM filesystem data \(DOS\/MBR boot sector\) 'SYSCLONE' \(bootable\)/);
    // xorriso writes the boot record's summary to stderr and the El Torito table to stdout.
    const reported = spawnSync("xorriso", ["-indev", iso, "-report_el_torito", "plain"], { encoding: "utf8" });
    const report = `${reported.stderr}${reported.stdout}`;
    expect(report).toMatch(/Boot record\s+: El Torito , MBR isohybrid cyl-align-on GPT/);
    expect(report).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none/);
    expect(report).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    expect(report).toMatch(/El Torito img path :\s+1\s+\/isolinux\/isolinux\.bin/);
    expect(report).toMatch(/El Torito img path :\s+2\s+\/efi\.img/);

    expect(fromIso(iso, "/sysclone/kernel")).toBe("KERNEL".repeat(100_000));
    expect(fromIso(iso, "/sysclone/initrd.img")).toBe("INITRD".repeat(200_000));
    const isolinux = fromIso(iso, "/isolinux/isolinux.cfg");
    expect(isolinux).toContain(`  APPEND ${json.kernelArgs}\n`);
    expect(isolinux).toContain("# sysclone boot media, BIOS (isolinux): osimage img1 v4, server http://10.0.0.1:8080, node n07");
    // The EFI image is a FAT filesystem with the removable-media loader, which carries the same command line.
    const efiImage = path.join(work, "efi.img");
    execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/efi.img", efiImage], { stdio: "ignore" });
    expect(execFileSync("mdir", ["-i", efiImage, "-b", "::/EFI/BOOT"], { encoding: "utf8" })).toContain("::/EFI/BOOT/BOOTX64.EFI");
    const loader = path.join(work, "BOOTX64.EFI");
    execFileSync("mcopy", ["-i", efiImage, "::/EFI/BOOT/BOOTX64.EFI", loader]);
    expect(execFileSync("file", ["-b", loader], { encoding: "utf8" })).toMatch(/PE32\+ executable \(EFI application\) x86-64/);
    // Its grub.cfg lives in the loader's memdisk (a tar): the command line is in it, in the clear.
    expect((await readFile(loader)).includes(Buffer.from(`linux /sysclone/kernel ${json.kernelArgs}`))).toBe(true);
    expect(withHomeStore(home, (store) => store.events({ kind: "media-built" }))[0]?.message).toContain(`boot media ${iso} (img1, server http://10.0.0.1:8080, for n07)`);
  });

  it.each([
    [["img1", "-o", "x.iso", "--gw", "10.0.0.1", "--server", "http://a:1"], "USAGE", "--gw goes with --ip"],
    [["img1", "-o", "x.iso", "--ip", "10.0.0.5", "--server", "http://a:1"], "BAD_ADDRESS", "--ip"],
    [["img1", "-o", "x.iso", "--server", "10.0.0.1:8080"], "BAD_ADDRESS", "server URL"],
    [["img1", "-o", "x.iso"], "USAGE", "no server URL known"],
    [["img1", "--server", "http://a:1"], "USAGE", "needs -o"],
    [["img1", "-o", "x.iso", "--node", "nobody", "--server", "http://a:1"], "UNKNOWN_OBJECT", "nobody"],
    [["img2", "-o", "x.iso", "--server", "http://a:1"], "UNKNOWN_OBJECT", "img2"],
  ])("refuses %j with %s, writing nothing", async (argv, code, words) => {
    const result = await runInProcess(home, mediaBuild, argv.map((a) => (a === "x.iso" ? path.join(work, "x.iso") : a)));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`[${code}]`);
    expect(result.stderr).toContain(words);
    await expect(readFile(path.join(work, "x.iso"))).rejects.toThrow();
  });

  it("refuses an osimage without a clone initrd, naming the command that builds one", async () => {
    expect((await runInProcess(home, mkdef, ["-t", "osimage", "bare"])).code).toBe(0);
    const result = await runInProcess(home, mediaBuild, ["bare", "-o", path.join(work, "x.iso"), "--server", "http://a:1"]);
    expect(result.stderr).toMatch(/\[NO_KERNEL\].*sysclone initrd build bare/);
  });
});
