import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { Store } from "../../src/store/store.js";
import { cliOk, projectRoot } from "../helpers/cli.js";
import { changedFiles } from "../helpers/tree-diff.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { emptyDisk, runVm } from "../../src/demo/vm.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const image = "vmimg";
const port = 18180;
const rsyncPort = 18973;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let work: string;
let server: ServeProcess;
let kver: string;

/** One golden machine with five disks: GPT+ESP, MBR with logicals, LVM, and across two disks RAID1 holding LVM and swap. */
const layoutXml = `<config>
  <disk dev="/dev/vda" label_type="gpt" unit_of_measurement="MB" size_bytes="${GiB}">
    <part num="1" size="67" p_type="primary" p_name="EFI System" flags="esp" size_bytes="${64 * MiB}"/>
    <part num="2" size="*" p_type="primary" p_name="root" flags="-" size_bytes="${958 * MiB}"/>
  </disk>
  <disk dev="/dev/vdb" label_type="msdos" unit_of_measurement="MB" size_bytes="${GiB}">
    <part num="1" size="105" p_type="primary" p_name="-" flags="-" size_bytes="${100 * MiB}"/>
    <part num="2" size="*" p_type="extended" p_name="-" flags="-"/>
    <part num="5" size="67" p_type="logical" p_name="-" flags="swap" size_bytes="${64 * MiB}"/>
    <part num="6" size="*" p_type="logical" p_name="-" flags="-"/>
  </disk>
  <disk dev="/dev/vdc" label_type="gpt" unit_of_measurement="MB" size_bytes="${512 * MiB}">
    <part num="1" size="*" p_type="primary" p_name="pv" flags="lvm" lvm_group="vg0"/>
  </disk>
  <disk dev="/dev/vdd" label_type="msdos" unit_of_measurement="MB" size_bytes="${256 * MiB}">
    <part num="1" size="67" p_type="primary" p_name="-" flags="raid" raid_dev="/dev/md1"/>
    <part num="2" size="*" p_type="primary" p_name="-" flags="raid" raid_dev="/dev/md0"/>
  </disk>
  <disk dev="/dev/vde" label_type="msdos" unit_of_measurement="MB" size_bytes="${256 * MiB}">
    <part num="1" size="67" p_type="primary" p_name="-" flags="raid" raid_dev="/dev/md1"/>
    <part num="2" size="*" p_type="primary" p_name="-" flags="raid" raid_dev="/dev/md0"/>
  </disk>
  <!-- SystemImager's own form (autoinstallscript.conf-lvm_over_raid): members by raid_dev=, level "1", LVM on md0. -->
  <raid>
    <raid_disk name="/dev/md0" raid_level="1" lvm_group="vg1"/>
    <raid_disk name="/dev/md1" raid_level="1"/>
  </raid>
  <lvm>
    <lvm_group name="vg0" phys_extent_size="4096K"><lv name="home" size="200M"/><lv name="opt" size="*"/></lvm_group>
    <lvm_group name="vg1" phys_extent_size="4096K"><lv name="var" size="*"/></lvm_group>
  </lvm>
  <fsinfo line="1" real_dev="/dev/vda2" mount_dev="LABEL=root" mp="/" fs="ext4" options="defaults" dump="0" pass="1" label="root"/>
  <fsinfo line="2" real_dev="/dev/vda1" mount_dev="LABEL=ESP" mp="/boot/efi" fs="vfat" options="umask=0077" dump="0" pass="2" label="ESP"/>
  <fsinfo line="3" real_dev="/dev/vdb1" mount_dev="/dev/vdb1" mp="/srv/data" fs="ext4" options="defaults" dump="0" pass="2"/>
  <fsinfo line="4" real_dev="/dev/vdb6" mount_dev="/dev/vdb6" mp="/srv/logs" fs="xfs" options="noatime" dump="0" pass="2"/>
  <fsinfo line="5" real_dev="/dev/vdb5" mount_dev="/dev/vdb5" mp="swap" fs="swap" options="sw" dump="0" pass="0"/>
  <fsinfo line="6" real_dev="/dev/vg0/home" mount_dev="/dev/vg0/home" mp="/home" fs="ext4" options="defaults" dump="0" pass="2"/>
  <fsinfo line="7" real_dev="/dev/vg0/opt" mount_dev="/dev/vg0/opt" mp="/opt" fs="ext4" options="defaults" dump="0" pass="2"/>
  <fsinfo line="8" real_dev="/dev/vg1/var" mount_dev="/dev/vg1/var" mp="/var" fs="ext4" options="defaults" dump="0" pass="2"/>
  <fsinfo line="9" real_dev="/dev/md1" mount_dev="/dev/md1" mp="swap" fs="swap" options="sw" dump="0" pass="0"/>
  <fsinfo line="10" real_dev="proc" mount_dev="proc" mp="/proc" fs="proc" options="defaults" dump="0" pass="0" format="no"/>
  <fsinfo line="11" real_dev="/dev/fd0" mp="/media/floppy" fs="subfs" options="noauto,fs=floppyfss,procuid,nodev,nosuid,sync" dump="0" pass="0"/>
  <boel devstyle="udev"/>
</config>
`;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

/** The golden client's tree: a small system with Debian's kernel and the modules it loads, and a file on every filesystem. */
async function populate(root: string): Promise<void> {
  await populateSystemTree(root);
  const cache = path.join(projectRoot, "test", "fixtures", "cache", "kernel");
  await mkdir(path.join(root, "boot", "efi", "EFI", "BOOT"), { recursive: true });
  await copyFile(path.join(cache, "boot", `vmlinuz-${kver}`), path.join(root, "boot", `vmlinuz-${kver}`));
  const deps = await must("sh", ["-c", `for m in virtio_pci virtio_blk virtio_net ext4 xfs vfat nls_cp437 nls_ascii nls_iso8859_1 dm_mod raid1 md_mod; do modprobe -d "$0" -S "$1" --show-depends "$m"; done | awk '$1 == "insmod" { print $2 }' | sort -u`, cache, kver]);
  for (const ko of deps.stdoutTail.split("\n").filter((l) => l !== "")) {
    const target = path.join(root, path.relative(cache, ko));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(ko, target);
  }
  await writeFile(path.join(root, "boot", "efi", "EFI", "BOOT", "README"), "an ESP file\n");
  for (const dir of ["srv/data", "srv/logs", "home/user", "opt/app", "var/lib/app"]) {
    await mkdir(path.join(root, dir), { recursive: true });
    await writeFile(path.join(root, dir, "content"), `${dir}\n`.repeat(1000));
  }
  await link(path.join(root, "opt", "app", "content"), path.join(root, "opt", "app", "hard-link"));
  await symlink("../app/content", path.join(root, "opt", "app", "relative-link"));
}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function disks(dir: string, sizes: readonly number[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, bytes] of sizes.entries()) files.push(await emptyDisk(path.join(dir, `vd${String.fromCharCode(97 + i)}.img`), bytes));
  return files;
}

beforeAll(async () => {
  kver = (await must("bash", [path.join(projectRoot, "test", "vm", "debian-kernel.sh")])).stdoutTail.trim();
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-vm-"));
  golden = await createGoldenClient({ populate });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await writeFile(path.join(work, "layout.xml"), layoutXml);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root, "--layout", path.join(work, "layout.xml"));
  await cli("chdef", "-t", "osimage", image, "postscripts=update_network");
  await cli("sysclone", "initrd", "build", image);
  server = await startServe(home, net.serverAddress, port, rsyncPort);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

async function boot(node: string, files: readonly string[], mac: string, address: string) {
  const args = (await cli("sysclone", "bootargs", node)).trim();
  const netboot = path.join(home, "images", image, "netboot");
  return runVm({
    kernel: path.join(netboot, "kernel"),
    initrd: path.join(netboot, "initrd.img"),
    append: `console=ttyS0 panic=-1 ${args} sysclone.ip=${address}/24 sysclone.onfail=poweroff`,
    disks: files,
    bridge: net.bridge,
    mac,
    consoleFile: path.join(work, `${node}.console`),
    timeoutMs: 600_000,
  });
}

describe("a VM booted into the clone initrd clones itself from the server", () => {
  it("lays out GPT+ESP (grown), MBR with logicals and swap, LVM, LVM on RAID1 and swap on RAID1, fills them, verifies and powers off", async () => {
    await cli("mkdef", "-t", "node", "vm01", `osimage=${image}`, "finalaction=poweroff", "hostname=vm01.cluster", "nicmode=dhcp");
    const files = await disks(path.join(work, "vm01"), [2 * GiB, GiB, 512 * MiB, 256 * MiB, 256 * MiB]);
    const vm = await boot("vm01", files, "52:54:00:5c:00:01", `${net.serverAddress.replace(/\.1$/, ".51")}`);
    expect(vm.timedOut, vm.console.slice(-3000)).toBe(false);
    expect(vm.console, vm.console.slice(-3000)).toContain("sysclone: powering off");

    const store = Store.open(path.join(home, "var", "sysclone.db"));
    try {
      expect(store.requireObject("node", "vm01"), vm.console.slice(-4000)).toMatchObject({ state: "installed", destiny: "boot", percent: "100", lasterror: "" });
      const finish = store.events({ node: "vm01" }).find((e) => e.kind === "finish");
      const manifestFiles = (await readFile(path.join(home, "images", image, "current", "manifest.jsonl"), "utf8")).split("\n").filter((l) => l.includes('"type":"f"')).length;
      // The node checked every regular file of the image, on all five disks, against the manifest.
      expect(finish?.data["verifiedFiles"]).toBe(manifestFiles);
    } finally {
      store.close();
    }

    // Read the disks back on this host: the GPT grew its root partition into the larger disk.
    const table = JSON.parse((await must("sfdisk", ["-J", files[0] ?? ""])).stdoutTail) as { partitiontable: { label: string; partitions: { start: number; size: number; type: string }[] } };
    expect(table.partitiontable.label).toBe("gpt");
    expect(table.partitiontable.partitions.map((p) => [p.start * 512 / MiB, p.size * 512 / MiB])).toEqual([[1, 64], [65, 2048 - 65 - 1]]);
    const mbr = JSON.parse((await must("sfdisk", ["-J", files[1] ?? ""])).stdoutTail) as { partitiontable: { label: string; partitions: { node: string; type: string }[] } };
    expect(mbr.partitiontable.label).toBe("dos");
    expect(mbr.partitiontable.partitions.map((p) => p.type)).toEqual(["83", "5", "82", "83"]);

    const rootPart = table.partitiontable.partitions[1];
    const loop = (await must("losetup", ["-f", "--show", "-r", "-o", String((rootPart?.start ?? 0) * 512), "--sizelimit", String((rootPart?.size ?? 0) * 512), files[0] ?? ""])).stdoutTail.trim();
    const mnt = path.join(work, "vm01-root");
    await mkdir(mnt, { recursive: true });
    try {
      await must("mount", ["-o", "ro", loop, mnt]);
      try {
        const fstab = await readFile(path.join(mnt, "etc", "fstab"), "utf8");
        const rootUuid = (await must("blkid", ["-s", "UUID", "-o", "value", loop])).stdoutTail.trim();
        expect(fstab).toContain(`UUID=${rootUuid}\t/\text4`);
        expect(fstab.split("\n").filter((l) => l.startsWith("UUID=")).length).toBe(9);
        // An entry mkfs cannot make (SystemImager's subfs floppy) is kept in fstab, never formatted.
        expect(fstab).toMatch(/^\/dev\/fd0\s+\/media\/floppy\s+subfs\s+noauto,fs=floppyfss/m);
        expect(await readFile(path.join(mnt, "etc", "hostname"), "utf8")).toBe("vm01\n");
        const source = path.join(home, "images", image, "current", "root");
        const changed = await changedFiles(source, mnt, ["/boot/efi/*", "/srv/data/*", "/srv/logs/*", "/home/*", "/opt/*", "/var/*", "/lost+found"]);
        expect(changed).toEqual(["etc/fstab", "etc/hostname", "etc/hosts", "etc/machine-id", "etc/network/interfaces", "etc/network/interfaces.golden", "usr/local/sbin/sysclone-firstboot"]);
      } finally {
        await run("umount", [mnt]);
      }
    } finally {
      await run("losetup", ["-d", loop]);
    }
  });

  it("refuses a disk smaller than the golden one without changing a byte of any disk", async () => {
    await cli("mkdef", "-t", "node", "vm02", `osimage=${image}`, "finalaction=poweroff");
    const files = await disks(path.join(work, "vm02"), [GiB - MiB, GiB, 512 * MiB, 256 * MiB, 256 * MiB]);
    // Something on the disks to lose: a pattern at the start of the first.
    await must("sh", ["-c", `printf 'precious data' | dd of="$0" conv=notrunc status=none`, files[0] ?? ""]);
    const before = await Promise.all(files.map(sha256));
    const vm = await boot("vm02", files, "52:54:00:5c:00:02", `${net.serverAddress.replace(/\.1$/, ".52")}`);
    expect(vm.timedOut).toBe(false);
    expect(vm.console).toContain("the server refused");
    expect(await Promise.all(files.map(sha256))).toEqual(before);
    const stat = JSON.parse(await cli("nodestat", "vm02", "--json")) as { state: string; lastError: string }[];
    expect(stat[0]?.state).toBe("failed");
    expect(stat[0]?.lastError).toContain("disk too small: /dev/vda is 1023.0 MiB");
  });
});
