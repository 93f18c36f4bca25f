import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { emptyDisk, runVm } from "../../src/demo/vm.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { must } from "../../src/exec/must.js";
import type { NodeInventoryView } from "../../src/inventory/view.js";
import { cliOk, projectRoot } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

const MiB = 1024 * 1024;
const image = "hwimg";
const port = 20310;
const rsyncPort = 20311;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let work: string;
let server: ServeProcess;
let kernel: string;

/** The golden machine: one disk, its root filesystem on the whole device. A pre-install script makes it an md RAID1. */
const layoutXml = `<config>
  <disk dev="/dev/vda" label_type="none" unit_of_measurement="MB" size_bytes="${256 * MiB}"/>
  <fsinfo line="1" real_dev="/dev/vda" mount_dev="LABEL=root" mp="/" fs="ext4" options="defaults" dump="0" pass="1" label="root"/>
  <boel devstyle="udev"/>
</config>
`;

/** Kickstart's %pre for a box with two blank disks: mirror them, with a tool the initrd got from `initrd build --add`. */
const makeRaid = `#!/bin/sh
set -eu
echo "make-raid: $HW_DISK_COUNT disks ($HW_DISKS), $HW_MEMORY_BYTES bytes of memory"
lsblk -b -d -n -o NAME,SIZE "/dev/$HW_DISK_0_NAME" "/dev/$HW_DISK_1_NAME"
mdadm --create /dev/md0 --run --assume-clean --level=1 --raid-devices=2 --metadata=1.2 "/dev/$HW_DISK_0_NAME" "/dev/$HW_DISK_1_NAME"
`;

const failCheck = `#!/bin/sh
echo "firmware check: $HW_DMI_PRODUCT_NAME bios $HW_DMI_BIOS_VERSION"
echo "bios too old for this image" >&2
exit 1
`;

/**
 * Boots the clone from its array: the clone initrd's drivers and mdadm with an /init that assembles md0 from the two
 * disks, mounts it as the root and hands over to the clone's own init (busybox), whose rcS reports and powers off.
 */
const mdBootInit = `#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do insmod "/lib/modules/$module" 2>/dev/null; done </lib/sysclone/modules.order
for try in 1 2 3 4 5; do [ -b /dev/vdb ] && break; sleep 1; done
mdadm --assemble /dev/md0 /dev/vda /dev/vdb
mkdir -p /newroot
mount -t ext4 /dev/md0 /newroot || { echo "md-boot: cannot mount /dev/md0"; poweroff -f; }
exec switch_root /newroot /bin/init
`;

const rcS = `#!/bin/sh
mkdir -p /proc
mount -t proc proc /proc
echo "clone-init: $(cat /etc/sysclone-image) up, root on $(awk '$2 == "/" && $3 != "rootfs" { print $1 }' /proc/mounts | tail -n 1), $(grep -c 'active raid1' /proc/mdstat) active raid1 array"
poweroff -f
`;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function disks(node: string, sizes: readonly number[], precious = true): Promise<string[]> {
  const dir = path.join(work, node);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, bytes] of sizes.entries()) {
    const file = await emptyDisk(path.join(dir, `vd${String.fromCharCode(97 + i)}.img`), bytes);
    // Something to lose at the start of each disk.
    if (precious) await must("sh", ["-c", `printf 'precious data of %s' "$1" | dd of="$1" conv=notrunc status=none`, "sh", file]);
    files.push(file);
  }
  return files;
}

async function boot(node: string, files: readonly string[], index: number) {
  const args = (await cli("sysclone", "bootargs", node)).trim();
  const netboot = path.join(home, "images", image, "netboot");
  return runVm({
    kernel: path.join(netboot, "kernel"),
    initrd: path.join(netboot, "initrd.img"),
    append: `console=ttyS0 panic=-1 ${args} sysclone.ip=${net.serverAddress.replace(/\.1$/, `.${60 + index}`)}/24 sysclone.onfail=poweroff`,
    disks: files,
    bridge: net.bridge,
    mac: `52:54:00:5d:00:0${index}`,
    consoleFile: path.join(work, `${node}.console`),
    timeoutMs: 300_000,
  });
}

async function nodestat(node: string): Promise<{ state: string; lastError: string }> {
  const rows = JSON.parse(await cli("nodestat", node, "--json")) as { state: string; lastError: string }[];
  return rows[0] ?? { state: "", lastError: "" };
}

beforeAll(async () => {
  const kver = (await must("bash", [path.join(projectRoot, "test", "vm", "debian-kernel.sh")])).stdoutTail.trim();
  const cache = path.join(projectRoot, "test", "fixtures", "cache", "kernel");
  kernel = path.join(cache, "boot", `vmlinuz-${kver}`);
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-hwvm-"));
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateSystemTree(root);
      await writeFile(path.join(root, "etc", "sysclone-image"), `${image}\n`);
      await mkdir(path.join(root, "etc", "init.d"), { recursive: true });
      await writeFile(path.join(root, "etc", "init.d", "rcS"), rcS);
      await chmod(path.join(root, "etc", "init.d", "rcS"), 0o755);
    },
  });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await writeFile(path.join(work, "layout.xml"), layoutXml);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root, "--layout", path.join(work, "layout.xml"));
  // lsblk is not in the clone initrd: the RAID script can use it only because --add put it there, with its libraries.
  await cli("sysclone", "initrd", "build", image, "--kernel", kernel, "--modules", path.join(cache, "lib", "modules", kver), "--add", "/usr/bin/lsblk");
  for (const [name, body] of [["make-raid", makeRaid], ["fail-check", failCheck]] as const) {
    await mkdir(path.join(home, "prescripts"), { recursive: true });
    await writeFile(path.join(home, "prescripts", name), body);
    await chmod(path.join(home, "prescripts", name), 0o755);
  }
  await cli("mkdef", "-t", "group", "mirrored", "hwreq=mem>=512M,disks>=2", "prescripts=make-raid");
  server = await startServe(home, net.serverAddress, port, rsyncPort);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("hardware checks and pre-install scripts in a VM booted into the clone initrd", () => {
  it("refuses a machine with one disk too few and too little memory, listing both rules, without a byte changed on its disk", async () => {
    // Every rule that applies must hold: the group's two disks and the node's own 2 GiB.
    await cli("mkdef", "-t", "node", "hwa", "groups=mirrored", `osimage=${image}`, "finalaction=poweroff", "hwreq=mem>=2G");
    const files = await disks("hwa", [512 * MiB]);
    const before = await Promise.all(files.map(sha256));
    const vm = await boot("hwa", files, 1);
    expect(vm.timedOut, vm.console.slice(-3000)).toBe(false);
    expect(vm.console).toContain("the server refused: HTTP 422");
    expect(vm.console).not.toContain("pre-install script make-raid");
    expect(await Promise.all(files.map(sha256))).toEqual(before);
    const stat = await nodestat("hwa");
    expect(stat.state).toBe("failed");
    expect(stat.lastError).toBe("hwreq: hwa does not meet its hardware requirements: disks>=2 (found 1 (vda); from group mirrored); mem>=2G (found 1.0 GiB (1073741824 bytes); from node hwa)");
    const view = (JSON.parse(await cli("sysclone", "inventory", "hwa", "--json")) as NodeInventoryView[])[0];
    expect(view?.inventory?.disks.map((d) => [d.name, d.sizeBytes, d.transport, d.rotational])).toEqual([["vda", 512 * MiB, "virtio", true]]);
    expect(view?.inventory?.nics.map((n) => [n.mac, n.driver, n.link])).toEqual([["52:54:00:5d:00:01", "virtio_net", true]]);
    expect(view?.inventory?.cpu?.count).toBe(1);
    expect(view?.inventory?.dmi?.vendor).toBe("QEMU");
  });

  it("fails the node with a pre-install script's output when it exits 1, and writes nothing", async () => {
    await cli("mkdef", "-t", "node", "hwb", `osimage=${image}`, "finalaction=poweroff", "prescripts=fail-check");
    const files = await disks("hwb", [512 * MiB, 512 * MiB]);
    const before = await Promise.all(files.map(sha256));
    const vm = await boot("hwb", files, 2);
    expect(vm.timedOut, vm.console.slice(-3000)).toBe(false);
    expect(vm.console).toContain("bios too old for this image");
    expect(await Promise.all(files.map(sha256))).toEqual(before);
    const stat = await nodestat("hwb");
    expect(stat.state).toBe("failed");
    expect(stat.lastError).toMatch(/^prescript fail-check: pre-install script fail-check exited 1: firmware check: Standard PC .* bios \S+\nbios too old for this image$/);
  });

  it("mirrors two blank disks in a pre-install script (wipe chain), plans the root onto the array, and the clone boots from it", async () => {
    await cli("mkdef", "-t", "node", "hwc", "groups=mirrored", "finalaction=poweroff");
    await cli("nodeset", "hwc", `wipe,osimage=${image}`);
    // Two blank disks for the array and a third the wipe chain erases.
    const files = [...(await disks("hwc", [512 * MiB, 512 * MiB], false)), ...(await disks("hwc-spare", [64 * MiB]))];
    const vm = await boot("hwc", files, 3);
    expect(vm.timedOut, vm.console.slice(-3000)).toBe(false);
    expect(vm.console, vm.console.slice(-4000)).toContain("sysclone: powering off");
    expect(vm.console).toMatch(/make-raid: 3 disks \(vda vdb vdc\)/);
    expect(vm.console).toMatch(/vda +536870912/);
    expect(vm.console).toContain("inventory taken again after the pre-install scripts");
    expect(vm.console).toContain("keeping the storage the pre-install scripts assembled");
    expect(await nodestat("hwc")).toMatchObject({ state: "installed", lastError: "" });
    const view = (JSON.parse(await cli("sysclone", "inventory", "hwc", "--json")) as NodeInventoryView[])[0];
    // What is kept is the machine as it booted: three drives, no array.
    expect(view?.inventory?.disks.map((d) => d.name)).toEqual(["vda", "vdb", "vdc"]);
    const plan = JSON.parse(withHomeStore(home, (store) => store.installs.latest("hwc")?.plan ?? "{}")) as { disks: { dev: string }[]; mounts: { dev: string; mp: string }[]; wipeDisks: string[] };
    expect(plan.disks.map((d) => d.dev)).toEqual(["/dev/md0"]);
    expect(plan.mounts).toEqual([{ dev: "/dev/md0", fs: "ext4", mp: "/" }]);
    expect(plan.wipeDisks).toEqual(["/dev/vdc"]);
    // The wipe chain erased the spare disk, and only it.
    expect(vm.console).toContain("wiped /dev/vdc");
    expect(vm.console).not.toMatch(/wiped \/dev\/(vda|vdb|md0)/);

    // Both members carry the array; the clone comes up from it with its own init.
    const netboot = path.join(home, "images", image, "netboot");
    // The clone initrd (drivers, mdadm) with this /init instead of its own.
    const tree = path.join(work, "md-boot");
    await mkdir(tree, { recursive: true });
    await must("sh", ["-c", 'cd "$1" && zstd -dc "$2" | cpio -idm --quiet', "sh", tree, path.join(netboot, "initrd.img")]);
    await writeFile(path.join(tree, "init"), mdBootInit);
    await chmod(path.join(tree, "init"), 0o755);
    const initrd = path.join(work, "md-boot.img");
    await must("sh", ["-c", 'cd "$1" && find . | cpio -o -H newc --quiet -R 0:0 | zstd -q -3 > "$2"', "sh", tree, initrd]);
    const booted = await runVm({
      kernel: path.join(netboot, "kernel"), initrd, append: "console=ttyS0 panic=-1", disks: files.slice(0, 2),
      bridge: net.bridge, mac: "52:54:00:5d:00:04", consoleFile: path.join(work, "hwc-boot.console"), timeoutMs: 180_000,
    });
    expect(booted.timedOut, booted.console.slice(-3000)).toBe(false);
    expect(booted.console, booted.console.slice(-3000)).toContain("clone-init: hwimg up, root on /dev/md0, 1 active raid1 array");
  });
});
