import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSyscloneError } from "../../src/errors/errors.js";
import { copyTreeInsideRoot, resolveInsideRoot } from "../../src/image/inside-root.js";
import { kernelOfImage, looksLikeKernel } from "../../src/netboot/kernel.js";
import { cliOk, runCli } from "../helpers/cli.js";

const kver = "6.1.0-9-amd64";
/** A stand-in kernel: what matters here is which file is taken, not that it boots. */
const kernelBytes = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(0x200), Buffer.from("HdrS"), Buffer.from("the image's own kernel\n")]);

let work: string;
let root: string;
/** A file of this host outside the image: what a hostile golden image would like the server to publish. */
let secret: string;

async function refusal(act: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await act();
  } catch (error) {
    if (isSyscloneError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

/** A usr-merged image: lib -> usr/lib, the kernel reached through an absolute link, modules with a dangling build link. */
async function goodImage(): Promise<void> {
  await mkdir(path.join(root, "boot"), { recursive: true });
  await mkdir(path.join(root, "usr", "lib", "modules", kver, "kernel", "drivers"), { recursive: true });
  await symlink("usr/lib", path.join(root, "lib"));
  await writeFile(path.join(root, "boot", `real-vmlinuz-${kver}`), kernelBytes);
  await symlink(`/boot/real-vmlinuz-${kver}`, path.join(root, "boot", `vmlinuz-${kver}`));
  const modules = path.join(root, "usr", "lib", "modules", kver);
  await writeFile(path.join(modules, "modules.order"), "kernel/drivers/virtio_blk.ko\n");
  await writeFile(path.join(modules, "modules.builtin"), "");
  await writeFile(path.join(root, "usr", "lib", "virtio_blk.ko"), "module\n");
  await symlink("/lib/virtio_blk.ko", path.join(modules, "kernel", "drivers", "virtio_blk.ko"));
  await symlink(`/usr/src/linux-headers-${kver}`, path.join(modules, "build"));
}

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "sysclone-kernel-"));
  root = path.join(work, "image", "root");
  await mkdir(root, { recursive: true });
  secret = path.join(work, "host-secret");
  await writeFile(secret, Buffer.concat([Buffer.from("MZ"), Buffer.from("root:$6$server-password-hash:19000:0:99999:7:::\n")]));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the image's kernel and modules are resolved inside the image", () => {
  it("follows the image's own links (absolute ones from the image's root) to its kernel and modules", async () => {
    await goodImage();
    const kernel = await kernelOfImage(root, kver);
    expect(kernel.version).toBe(kver);
    expect(kernel.kernel).toBe(path.join(root, "boot", `real-vmlinuz-${kver}`));
    expect(kernel.modulesDir.imagePath).toBe(`/usr/lib/modules/${kver}`);
    const out = path.join(work, "staged", kver);
    expect(await copyTreeInsideRoot(root, kernel.modulesDir, out)).toBe(3);
    expect(await readFile(path.join(out, "kernel", "drivers", "virtio_blk.ko"), "utf8")).toBe("module\n");
    expect(existsSync(path.join(out, "build"))).toBe(false);
  });

  it("an absolute kernel link names the image's file, not this server's", async () => {
    await goodImage();
    await rm(path.join(root, "boot", `vmlinuz-${kver}`));
    await symlink(secret, path.join(root, "boot", `vmlinuz-${kver}`));
    expect(await refusal(() => kernelOfImage(root, kver))).toMatchObject({ code: "NO_KERNEL" });
    expect(await resolveInsideRoot(root, `/boot/vmlinuz-${kver}`)).toBeUndefined();
  });

  it("a kernel link climbing out of the image is refused", async () => {
    await goodImage();
    await rm(path.join(root, "boot", `vmlinuz-${kver}`));
    await symlink(path.relative(path.join(root, "boot"), secret), path.join(root, "boot", `vmlinuz-${kver}`));
    const refused = await refusal(() => kernelOfImage(root, kver));
    expect(refused.code).toBe("IMAGE_PATH_ESCAPES");
    expect(refused.message).toContain(`/boot/vmlinuz-${kver}`);
  });

  it("a kernel that is the image's /etc/shadow is no kernel", async () => {
    await goodImage();
    await mkdir(path.join(root, "etc"));
    await writeFile(path.join(root, "etc", "shadow"), "root:$6$golden-hash:19000:0:99999:7:::\n");
    await rm(path.join(root, "boot", `vmlinuz-${kver}`));
    await symlink("/etc/shadow", path.join(root, "boot", `vmlinuz-${kver}`));
    expect(await refusal(() => kernelOfImage(root, kver))).toMatchObject({ code: "NO_KERNEL" });
  });

  it("a modules directory that is this server's is not taken", async () => {
    await goodImage();
    await rm(path.join(root, "lib"));
    await symlink(path.join(work, "host-lib"), path.join(root, "lib"));
    await mkdir(path.join(work, "host-lib", "modules", kver), { recursive: true });
    await rm(path.join(root, "usr", "lib", "modules"), { recursive: true });
    expect(await refusal(() => kernelOfImage(root, kver))).toMatchObject({ code: "NO_KERNEL" });
  });

  it("a module linked out of the image is refused when the modules are copied", async () => {
    await goodImage();
    const drivers = path.join(root, "usr", "lib", "modules", kver, "kernel", "drivers");
    await symlink(path.relative(drivers, secret), path.join(drivers, "evil.ko"));
    const kernel = await kernelOfImage(root, kver);
    expect((await refusal(() => copyTreeInsideRoot(root, kernel.modulesDir, path.join(work, "staged", kver)))).code).toBe("IMAGE_PATH_ESCAPES");
  });

  it("link loops are refused, not followed forever", async () => {
    await mkdir(path.join(root, "boot"));
    await symlink("b", path.join(root, "boot", "a"));
    await symlink("a", path.join(root, "boot", "b"));
    expect((await refusal(() => resolveInsideRoot(root, "/boot/a"))).code).toBe("IMAGE_PATH_ESCAPES");
  });

  it("whatever a link says, what it resolves to is under the root, nothing, or a typed refusal", async () => {
    await mkdir(path.join(root, "boot"), { recursive: true });
    await mkdir(path.join(root, "etc", "deep"), { recursive: true });
    await writeFile(path.join(root, "etc", "deep", "file"), "x");
    await symlink("..", path.join(root, "etc", "up"));
    await symlink("/etc/up/..", path.join(root, "etc", "top"));
    const part = fc.constantFrom("..", ".", "", "etc", "deep", "file", "up", "top", "boot", "x", path.basename(work));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(part, { maxLength: 8 }), async (absolute, parts) => {
        const link = path.join(root, "boot", "x");
        await rm(link, { force: true });
        await symlink(`${absolute ? "/" : ""}${parts.join("/")}` || ".", link);
        try {
          const found = await resolveInsideRoot(root, "/boot/x/../x");
          if (found !== undefined) expect(found.hostPath === root || found.hostPath.startsWith(`${root}/`), found.hostPath).toBe(true);
        } catch (error) {
          expect(isSyscloneError(error, "IMAGE_PATH_ESCAPES"), String(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["x86 bzImage with EFI stub", Buffer.concat([Buffer.from("MZ"), Buffer.alloc(600)]), true],
    ["arm64 Image", Buffer.concat([Buffer.alloc(0x38), Buffer.from("ARM\x64", "latin1"), Buffer.alloc(8)]), true],
    ["ELF vmlinux", Buffer.from("\x7fELF\x02\x01", "latin1"), true],
    ["a shadow file", Buffer.from("root:$6$x:19000:0:99999:7:::\n"), false],
    ["an empty file", Buffer.alloc(0), false],
  ])("looksLikeKernel: %s", (_name, head, expected) => {
    expect(looksLikeKernel(head)).toBe(expected);
  });
});

describe("sysclone initrd build publishes only the image's own files", () => {
  let home: string;

  async function imageHome(): Promise<string> {
    home = path.join(work, "home");
    await cliOk(home, "mkdef", "-t", "osimage", "evil", "provmethod=sysclone");
    const imageDir = path.join(home, "images", "evil");
    await mkdir(imageDir, { recursive: true });
    await rm(path.join(imageDir, "v1"), { recursive: true, force: true });
    await mkdir(path.join(imageDir, "v1"));
    await writeFile(path.join(imageDir, "v1", "image.json"), JSON.stringify({ name: "evil", version: 1, runningKernel: kver, kernels: [`vmlinuz-${kver}`] }));
    await symlink("v1", path.join(imageDir, "current"));
    return imageDir;
  }

  it("refuses a kernel linked out of the image and serves nothing", async () => {
    const imageDir = await imageHome();
    root = path.join(imageDir, "v1", "root");
    await mkdir(root);
    await goodImage();
    await rm(path.join(root, "boot", `vmlinuz-${kver}`));
    await symlink(`../../../../../../../../../../../..${secret}`, path.join(root, "boot", `vmlinuz-${kver}`));
    // Modules the old code could build with, so that without the fix the build succeeds and publishes the secret.
    await rm(path.join(root, "usr", "lib", "modules", kver, "kernel"), { recursive: true });
    const result = await runCli(home, "sysclone", ["initrd", "build", "evil"]);
    expect(result.code).toBe(51);
    expect(result.stderr).toContain("[IMAGE_PATH_ESCAPES]");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(imageDir, "netboot", "kernel"))).toBe(false);
  });

  it("builds from the image's own kernel and modules, reached through the image's links", async () => {
    const imageDir = await imageHome();
    root = path.join(imageDir, "v1", "root");
    await mkdir(root);
    await goodImage();
    const result = await runCli(home, "sysclone", ["initrd", "build", "evil"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(imageDir, "netboot", "kernel"))).toEqual(kernelBytes);
    expect(await readFile(path.join(imageDir, "netboot", "contents.txt"), "utf8")).toContain(`kernel ${kver}`);
    expect((await readdir(tmpdir())).filter((name) => name.startsWith("sysclone-modules-"))).toEqual([]);
  });
});
