import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { chmod, link, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imgimport } from "../../src/cli/imgimport.js";
import { lsdef } from "../../src/cli/lsdef.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { parseLayoutXml } from "../../src/layout/xml.js";
import { buildDiskImage, IMAGE_UUIDS } from "../helpers/disk-image.js";
import { runInProcess } from "../helpers/in-process.js";
import { changedFiles } from "../helpers/tree-diff.js";

// imgimport (issue 17): disk images built here the way image builders build them, imported through real loop devices, mounts, mtools, qemu-img and xz.
let dir: string;
let home: string;
let rootTree: string;
let srvTree: string;
let disk: string;
const espFiles = { "EFI/BOOT/BOOTX64.EFI": "pretend UEFI loader\n", "EFI/debian/grub.cfg": "search --fs-uuid 5a1e\n", "startup.nsh": "fs0:\\EFI\\BOOT\\BOOTX64.EFI\n" };

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Loop devices still attached to a file (none may be left after an import). */
async function loopsOn(file: string): Promise<string> {
  return (await run("losetup", ["-j", file])).stdoutTail.trim();
}

const currentRoot = (name: string): string => path.join(home, "images", name, "current", "root");

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-imgimport-"));
  home = path.join(dir, "home");
  rootTree = path.join(dir, "tree");
  srvTree = path.join(dir, "srv");
  for (const sub of ["etc", "usr/bin", "usr/share/doc/app", "var/log", "boot", "root", "srv"]) await mkdir(path.join(rootTree, sub), { recursive: true });
  await writeFile(path.join(rootTree, "etc", "hostname"), "builder\n");
  await writeFile(path.join(rootTree, "usr", "bin", "hello"), "#!/bin/sh\necho hello\n");
  await chmod(path.join(rootTree, "usr", "bin", "hello"), 0o4755);
  await writeFile(path.join(rootTree, "usr", "share", "doc", "app", "README"), "x".repeat(100_000));
  await link(path.join(rootTree, "usr", "share", "doc", "app", "README"), path.join(rootTree, "usr", "share", "doc", "app", "README.hardlink"));
  await symlink("../share/doc/app/README", path.join(rootTree, "usr", "bin", "readme-link"));
  await writeFile(path.join(rootTree, "boot", "vmlinuz-6.1.0-test"), "kernel\n");
  await writeFile(path.join(rootTree, "root", "secret"), "only root\n", { mode: 0o600 });
  await mkdir(path.join(srvTree, "www"), { recursive: true });
  await writeFile(path.join(srvTree, "www", "index.html"), "<h1>srv</h1>\n");
  disk = path.join(dir, "disk.raw");
  await buildDiskImage(disk, { rootTree, espFiles, srvTree, swap: true });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("imgimport of disk images from image builders", () => {
  it("imports a raw GPT image: every filesystem file for file, layout.xml from the table and fstab, where it came from", async () => {
    const result = await runInProcess(home, imgimport, [disk, "-o", "built", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { version: number; mounts: { mp: string; partition: number; fs: string }[]; imported: { sha256: string; format: string } };
    expect(report.version).toBe(1);
    expect(report.mounts).toEqual([{ mp: "/", partition: 2, fs: "ext4" }, { mp: "/srv", partition: 3, fs: "xfs" }, { mp: "/boot/efi", partition: 1, fs: "vfat" }]);
    expect(report.imported).toMatchObject({ file: "disk.raw", format: "raw", compression: "none", sha256: await sha256(disk) });
    // The root and /srv: identical, owners, modes, hard and symbolic links and times included (lost+found is the filesystems' own).
    expect(await changedFiles(rootTree, currentRoot("built"), ["/lost+found", "/boot/efi/**", "/srv/**"])).toEqual([]);
    expect(await changedFiles(srvTree, path.join(currentRoot("built"), "srv"))).toEqual([]);
    // The ESP, through mtools: the same files with the same content.
    for (const [relative, content] of Object.entries(espFiles)) expect(await readFile(path.join(currentRoot("built"), "boot", "efi", relative), "utf8")).toBe(content);
    const layout = parseLayoutXml(await readFile(path.join(home, "images", "built", "current", "layout.xml"), "utf8"));
    expect(layout.disks).toHaveLength(1);
    expect(layout.disks[0]?.labelType).toBe("gpt");
    expect(layout.disks[0]?.partitions.map((p) => [p.num, p.flags])).toEqual([[1, ["esp"]], [2, []], [3, []], [4, ["swap"]]]);
    expect(layout.filesystems.map((f) => [f.mp, f.fs, f.realDev])).toEqual([["/", "ext4", "/dev/sda2"], ["/srv", "xfs", "/dev/sda3"], ["/proc", "proc", "proc"], ["/boot/efi", "vfat", "/dev/sda1"], ["swap", "swap", "/dev/sda4"]]);
    const [osimage] = JSON.parse((await runInProcess(home, lsdef, ["-t", "osimage", "built", "--json"])).stdout) as Record<string, string>[];
    expect(osimage?.["description"]).toBe(`imported from disk.raw (raw, sha256 ${await sha256(disk)})`);
    expect(osimage?.["kernel"]).toBe("vmlinuz-6.1.0-test");
    expect(await loopsOn(disk)).toBe("");
    expect(await readdir(path.join(home, "var", "tmp"))).toEqual([]);
  });

  it("imports the same disk as qcow2 and as vmdk into the next versions, hard-linked to the first; -t that does not match is refused", async () => {
    const qcow2 = path.join(dir, "disk.qcow2");
    await must("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", disk, qcow2]);
    const wrong = await runInProcess(home, imgimport, [qcow2, "-o", "built", "-t", "vmdk"]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("error [BAD_DISK_IMAGE]: ");
    expect(wrong.stderr).toContain("is not a vmdk image: qemu-img reads it as qcow2");
    const result = await runInProcess(home, imgimport, [qcow2, "-o", "built", "-t", "qcow2", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { version: number; newBytes: number; imported: { format: string } };
    expect(report).toMatchObject({ version: 2, newBytes: 0, imported: { format: "qcow2" } });
    expect(await changedFiles(path.join(home, "images", "built", "v1", "root"), currentRoot("built"))).toEqual([]);
    const vmdk = path.join(dir, "disk.vmdk");
    await must("qemu-img", ["convert", "-f", "qcow2", "-O", "vmdk", qcow2, vmdk]);
    await rm(qcow2);
    const fromVmdk = await runInProcess(home, imgimport, [vmdk, "-o", "built", "--json"]);
    expect(fromVmdk.code, fromVmdk.stderr).toBe(0);
    expect(JSON.parse(fromVmdk.stdout)).toMatchObject({ version: 3, newBytes: 0, imported: { file: "disk.vmdk", format: "vmdk" } });
    await rm(vmdk);
    expect(await readdir(path.join(home, "var", "tmp"))).toEqual([]);
  });

  it("imports a .raw.xz as KIWI ships it", async () => {
    const small = path.join(dir, "kiwi.raw");
    await buildDiskImage(small, { rootTree, espFiles });
    await must("xz", ["-0", "-T2", small]);
    const result = await runInProcess(home, imgimport, [`${small}.xz`, "-o", "kiwi", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ version: 1, imported: { file: "kiwi.raw.xz", format: "raw", compression: "xz", sha256: await sha256(`${small}.xz`) } });
    expect(await changedFiles(rootTree, currentRoot("kiwi"), ["/lost+found", "/boot/efi/**", "/etc/fstab"])).toEqual([]);
    expect(await readFile(path.join(currentRoot("kiwi"), "boot", "efi", "EFI", "BOOT", "BOOTX64.EFI"), "utf8")).toBe(espFiles["EFI/BOOT/BOOTX64.EFI"]);
    expect(await readdir(path.join(home, "var", "tmp"))).toEqual([]);
  });

  it("imports an image without fstab as mkosi builds them: the root by its partition type, the ESP where the root has a directory for it", async () => {
    const mkosiTree = path.join(dir, "mkosi-tree");
    await must("cp", ["-a", rootTree, mkosiTree]);
    await rm(path.join(mkosiTree, "boot", "efi"), { recursive: true });
    await mkdir(path.join(mkosiTree, "efi"));
    const image = path.join(dir, "image.raw");
    await buildDiskImage(image, { rootTree: mkosiTree, espFiles, discoverable: true });
    const result = await runInProcess(home, imgimport, [image, "-o", "mkosi", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { mounts: unknown[] }).mounts).toEqual([{ mp: "/", partition: 2, fs: "ext4" }, { mp: "/efi", partition: 1, fs: "vfat" }]);
    expect(await changedFiles(mkosiTree, currentRoot("mkosi"), ["/lost+found", "/efi/**"])).toEqual([]);
    expect(await readFile(path.join(currentRoot("mkosi"), "efi", "EFI", "BOOT", "BOOTX64.EFI"), "utf8")).toBe(espFiles["EFI/BOOT/BOOTX64.EFI"]);
    const layout = parseLayoutXml(await readFile(path.join(home, "images", "mkosi", "current", "layout.xml"), "utf8"));
    expect(layout.filesystems.map((f) => [f.mp, f.fs, f.realDev])).toEqual([["/", "ext4", "/dev/sda2"], ["/efi", "vfat", "/dev/sda1"]]);
    await rm(image);
  });

  it("refuses an image with an LVM physical volume, writes no version and leaves no loop device or mount", async () => {
    const lvmDisk = path.join(dir, "lvm.raw");
    await buildDiskImage(lvmDisk, { rootTree, espFiles, lvmInsteadOfSrv: true });
    const result = await runInProcess(home, imgimport, [lvmDisk, "-o", "withlvm"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("error [BAD_DISK_IMAGE]: partition 3 of the image is an LVM physical volume");
    expect(existsSync(path.join(home, "images", "withlvm"))).toBe(false);
    expect((await runInProcess(home, lsdef, ["-t", "osimage", "withlvm"])).code).not.toBe(0);
    expect(await loopsOn(lvmDisk)).toBe("");
    expect(await readdir(path.join(home, "var", "tmp"))).toEqual([]);
    expect(IMAGE_UUIDS.root).toMatch(/^5a1e/);
  });

  it("refuses a bare filesystem (no partition table) and a file that is no disk image", async () => {
    const bare = path.join(dir, "bare.ext4");
    await writeFile(bare, "");
    await must("truncate", ["-s", "16M", bare]);
    await must("mkfs.ext4", ["-q", "-F", bare]);
    const refused = await runInProcess(home, imgimport, [bare, "-o", "bare"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("error [BAD_DISK_IMAGE]: the image has no partition table sfdisk can read");
    const missing = await runInProcess(home, imgimport, [path.join(dir, "nothere.raw"), "-o", "bare"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("is not a file");
    expect(existsSync(path.join(home, "images", "bare"))).toBe(false);
    expect(await readdir(path.join(home, "var", "tmp"))).toEqual([]);
  });
});
