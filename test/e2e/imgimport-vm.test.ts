import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { emptyDisk, freshOvmfVars, runVm } from "../../src/demo/vm.js";
import { must } from "../../src/exec/must.js";
import { cliOk, projectRoot } from "../helpers/cli.js";
import { buildDiskImage } from "../helpers/disk-image.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";

/**
 * imgimport end to end (issue 17): a bootable disk image such as an image builder writes (GPT, an
 * ESP whose removable-path loader is grub, an ext4 root holding Debian's kernel, its own small
 * initramfs and an init), converted to qcow2, imported, cloned by the clone initrd onto a fresh
 * VM's blank disk, and that VM then boots from its own disk under OVMF.
 */
let home: string;
let work: string;
let net: ProvisioningNetwork;
let server: ServeProcess;
let kver: string;
const image = "built";
const cache = path.join(projectRoot, "test", "fixtures", "cache", "kernel");
const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

/** Kernel modules in load order (their dependencies first), as paths in the cache. */
async function modulesFor(names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const shown = (await must("modprobe", ["-d", cache, "-S", kver, "--show-depends", name])).stdoutTail;
    for (const line of shown.split("\n")) {
      const ko = /^insmod (\S+)/.exec(line)?.[1];
      if (ko && !out.includes(ko)) out.push(ko);
    }
  }
  return out;
}

/** The image's own initramfs: busybox loads virtio and ext4, mounts LABEL=root and switches to it. */
async function bootInitrd(file: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "sysclone-bootinitrd-"));
  try {
    for (const sub of ["bin", "proc", "sys", "dev", "newroot", "modules"]) await mkdir(path.join(dir, sub), { recursive: true });
    await copyFile("/bin/busybox", path.join(dir, "bin", "busybox"));
    const modules = await modulesFor(["virtio_pci", "virtio_blk", "ext4"]);
    const names: string[] = [];
    for (const ko of modules) {
      names.push(path.basename(ko));
      await copyFile(ko, path.join(dir, "modules", path.basename(ko)));
    }
    await writeFile(
      path.join(dir, "init"),
      [
        "#!/bin/busybox sh",
        "/bin/busybox --install -s /bin",
        "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev",
        `for m in ${names.join(" ")}; do insmod /modules/$m; done`,
        "i=0; until root=$(findfs LABEL=root 2>/dev/null); do i=$((i+1)); [ $i -gt 100 ] && { echo 'boot initrd: no LABEL=root'; poweroff -f; }; sleep 0.1; done",
        'mount -o ro "$root" /newroot && exec switch_root /newroot /sbin/init',
        "echo 'boot initrd: cannot mount the root'; poweroff -f",
        "",
      ].join("\n"),
    );
    await chmod(path.join(dir, "init"), 0o755);
    await must("sh", ["-c", 'cd "$0" && find . | cpio -o -H newc --quiet | gzip -1 > "$1"', dir, file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The root tree: busybox, Debian's kernel with the modules the clone initrd needs, the boot initramfs, an init that reports and powers off. */
async function populateRoot(root: string): Promise<void> {
  await populateSystemTree(root, { hostname: "builder" });
  await mkdir(path.join(root, "boot"), { recursive: true });
  await mkdir(path.join(root, "sbin"), { recursive: true });
  await copyFile(path.join(cache, "boot", `vmlinuz-${kver}`), path.join(root, "boot", `vmlinuz-${kver}`));
  for (const ko of await modulesFor(["virtio_pci", "virtio_blk", "virtio_net", "ext4", "vfat", "nls_cp437", "nls_ascii", "nls_iso8859_1"])) {
    const target = path.join(root, path.relative(cache, ko));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(ko, target);
  }
  await bootInitrd(path.join(root, "boot", `initrd.img-${kver}`));
  await writeFile(path.join(root, "sbin", "init"), `#!/bin/sh\nmount -t proc proc /proc\necho "imported image booted: $(cat /etc/hostname) from $(awk '$2 == "/" { print $1 }' /etc/fstab)"\npoweroff -f\n`);
  await chmod(path.join(root, "sbin", "init"), 0o755);
}

/** grub as the removable-path loader (EFI/BOOT/BOOTX64.EFI), finding the root by its label as a clone keeps it. */
async function grubLoader(file: string): Promise<void> {
  const cfg = path.join(work, "grub.cfg");
  await writeFile(cfg, `set timeout=0\nsearch --no-floppy --label root --set=root\nlinux /boot/vmlinuz-${kver} console=ttyS0 panic=-1\ninitrd /boot/initrd.img-${kver}\nboot\n`);
  await must("grub-mkstandalone", ["-O", "x86_64-efi", "--modules=part_gpt ext2", "--locales=", "--fonts=", "--themes=", "-o", file, `boot/grub/grub.cfg=${cfg}`]);
}

beforeAll(async () => {
  kver = (await must("bash", [path.join(projectRoot, "test", "vm", "debian-kernel.sh")])).stdoutTail.trim();
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-imgimport-vm-"));
  const root = path.join(work, "tree");
  await populateRoot(root);
  await grubLoader(path.join(work, "BOOTX64.EFI"));
  const raw = path.join(work, "built.raw");
  await buildDiskImage(raw, { rootTree: root, espFiles: { "EFI/BOOT/BOOTX64.EFI": await readFile(path.join(work, "BOOTX64.EFI")) }, rootMiB: 96 });
  await must("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, path.join(work, "built.qcow2")]);
  await rm(raw);
  net = await createProvisioningNetwork();
  await cli("sysclone", "keys");
  await cli("imgimport", path.join(work, "built.qcow2"), "-o", image);
  await cli("chdef", "-t", "osimage", image, "postscripts=update_network");
  await cli("sysclone", "initrd", "build", image);
  server = await startServe(home, net.serverAddress, 20410, 20411);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("an imported image clones like a captured one", () => {
  it("a fresh VM clones the imported qcow2 onto its blank disk, then boots it from its own disk under OVMF", async () => {
    await cli("mkdef", "-t", "node", "imp01", `osimage=${image}`, "finalaction=poweroff", "hostname=imp01.cluster", "nicmode=dhcp");
    const disk = await emptyDisk(path.join(work, "imp01.img"), 512 * 1024 * 1024);
    const args = (await cli("sysclone", "bootargs", "imp01")).trim();
    const netboot = path.join(home, "images", image, "netboot");
    const clone = await runVm({
      kernel: path.join(netboot, "kernel"),
      initrd: path.join(netboot, "initrd.img"),
      append: `console=ttyS0 panic=-1 ${args} sysclone.ip=${net.serverAddress.replace(/\.1$/, ".61")}/24 sysclone.onfail=poweroff`,
      disks: [disk],
      bridge: net.bridge,
      mac: "52:54:00:5d:00:01",
      consoleFile: path.join(work, "imp01-clone.console"),
      timeoutMs: 240_000,
    });
    expect(clone.timedOut, clone.console.slice(-3000)).toBe(false);
    expect(clone.console, clone.console.slice(-3000)).toContain("sysclone: powering off");
    const [state] = JSON.parse(await cli("nodestat", "imp01", "--json")) as Record<string, unknown>[];
    expect(state, clone.console.slice(-3000)).toMatchObject({ state: "installed", lastError: "" });

    const booted = await runVm({
      firmware: "uefi",
      varsFile: await freshOvmfVars(path.join(work, "imp01.vars")),
      bootFrom: "disk",
      disks: [disk],
      bridge: net.bridge,
      mac: "52:54:00:5d:00:01",
      consoleFile: path.join(work, "imp01-boot.console"),
      timeoutMs: 180_000,
    });
    expect(booted.timedOut, booted.console.slice(-3000)).toBe(false);
    // Its own init, from its own disk, with the host name and fstab (new UUIDs) the clone gave it.
    expect(booted.console, booted.console.slice(-3000)).toMatch(/imported image booted: imp01 from UUID=[0-9a-f-]{36}/);
    expect(booted.console).not.toContain("5a1e0000-0000-4000-8000-000000000001");
  });
});
