import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSshKit, regenerateHostKey, startNodeSshd, type NodeSshd } from "../../src/demo/live-node.js";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { run } from "../../src/exec/runner.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { changedFiles } from "../helpers/tree-diff.js";

const image = "upimg";
const goldenRootUuid = "0aaa0000-1111-4222-8333-944444444444";
const goldenEspUuid = "0AAA-0001";
const nodeCount = 12;

let home: string;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let server: ServeProcess;
const nodes: { name: string; vnode: VirtualNode; sshd: NodeSshd; rootUuid: string; espUuid: string }[] = [];

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

const nodeName = (i: number): string => `un${String(i).padStart(2, "0")}`;
const rootOf = (name: string): string => nodes.find((n) => n.name === name)?.vnode.target ?? "";
const sha = async (file: string): Promise<string> => createHash("sha256").update(await readFile(file)).digest("hex");

const layoutXml = `<config>
  <disk dev="/dev/sda" label_type="gpt" unit_of_measurement="MB" size_bytes="2147483648">
    <part num="1" size="128" p_type="primary" p_name="esp" flags="esp" />
    <part num="2" size="*" p_type="primary" p_name="root" flags="-" />
  </disk>
  <fsinfo line="10" real_dev="/dev/sda2" mount_dev="UUID=${goldenRootUuid}" mp="/" fs="ext4" options="defaults" dump="0" pass="1" />
  <fsinfo line="20" real_dev="/dev/sda1" mount_dev="UUID=${goldenEspUuid}" mp="/boot/efi" fs="vfat" options="umask=0077" dump="0" pass="2" />
  <boel devstyle="static" />
</config>
`;

const fstabOf = (rootUuid: string, espUuid: string): string => `UUID=${rootUuid} / ext4 defaults 0 1\nUUID=${espUuid} /boot/efi vfat umask=0077 0 2\n`;
const grubOf = (rootUuid: string, extra = ""): string => `menuentry 'Debian' {\n  search --fs-uuid --set=root ${rootUuid}\n  linux /vmlinuz root=UUID=${rootUuid} ro\n}\n${extra}`;

/** What a clone's first boot leaves behind on a disk node: its own UUIDs, host key, and UEFI firmware. */
async function becomeLiveNode(root: string, index: number): Promise<{ rootUuid: string; espUuid: string }> {
  const rootUuid = `1bbb0000-1111-4222-8333-9444444444${String(index).padStart(2, "0")}`;
  const espUuid = `1BBB-00${String(index).padStart(2, "0")}`;
  await writeFile(path.join(root, "etc", "fstab"), fstabOf(rootUuid, espUuid));
  await writeFile(path.join(root, "boot", "grub", "grub.cfg"), grubOf(rootUuid));
  await mkdir(path.join(root, "sys", "firmware", "efi"), { recursive: true });
  await mkdir(path.join(root, "var", "log"), { recursive: true });
  await writeFile(path.join(root, "var", "log", "messages"), `node ${index} has been running for a while\n`);
  await regenerateHostKey(root);
  return { rootUuid, espUuid };
}

async function changeGolden(root: string): Promise<void> {
  await writeFile(path.join(root, "usr", "share", "app", "config"), "version=2\n");
  await writeFile(path.join(root, "usr", "share", "app", "added-in-v2"), "new\n");
  await unlink(path.join(root, "usr", "share", "app", "removed-in-v2"));
  await writeFile(path.join(root, "boot", "grub", "grub.cfg"), grubOf(goldenRootUuid, "menuentry 'Debian (new kernel)' {\n}\n"));
  // The golden client's own identity changes too; no node may receive it.
  await writeFile(path.join(root, "etc", "hostname"), "golden-renamed\n");
  await writeFile(path.join(root, "etc", "fstab"), fstabOf(goldenRootUuid, goldenEspUuid) + "# edited on the golden client\n");
  await regenerateHostKey(root);
}

const keepFiles = ["etc/hostname", "etc/hosts", "etc/machine-id", "etc/fstab", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key.pub", "root/.ssh/authorized_keys", "etc/network/interfaces", "var/log/messages"];

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  const serverKey = await cli("sysclone", "keys");
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateSystemTree(root);
      await populateSshKit(root, serverKey);
      await mkdir(path.join(root, "usr", "share", "app"), { recursive: true });
      await writeFile(path.join(root, "usr", "share", "app", "config"), "version=1\n");
      await writeFile(path.join(root, "usr", "share", "app", "removed-in-v2"), "old\n");
      await mkdir(path.join(root, "boot", "grub"), { recursive: true });
      await writeFile(path.join(root, "boot", "grub", "grub.cfg"), grubOf(goldenRootUuid));
      await mkdir(path.join(root, "boot", "efi", "EFI", "debian"), { recursive: true });
      await writeFile(path.join(root, "boot", "efi", "EFI", "debian", "grubx64.efi"), "pretend UEFI loader\n");
      await writeFile(path.join(root, "etc", "fstab"), fstabOf(goldenRootUuid, goldenEspUuid));
    },
  });
  await golden.authorize(serverKey);
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await writeFile(path.join(home, "layout.xml"), layoutXml);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root, "--layout", path.join(home, "layout.xml"));
  await cli("chdef", "-t", "osimage", image, "postscripts=update_network", "verify=no");
  await cli("mkdef", "-t", "group", "compute", "priority=10");
  await mkdir(path.join(home, "overrides", "compute", "etc"), { recursive: true });
  await writeFile(path.join(home, "overrides", "compute", "etc", "motd"), "compute motd\n");

  net = await createProvisioningNetwork();
  server = await startServe(home, net.serverAddress, 18480, 19073);
  // Ten and more nodes: each cloned by the clone engine's virtual node, then living on with its own sshd.
  const vnodes = await Promise.all(Array.from({ length: nodeCount }, (_, i) => net.addNode(nodeName(i + 1))));
  for (const vnode of vnodes) {
    await cli("mkdef", "-t", "node", vnode.name, "groups=compute", `osimage=${image}`, `ip=${vnode.address}`, `mac=${vnode.mac}`, "nicmode=dhcp", `hostname=${vnode.name}.cluster`, "finalaction=none");
  }
  const tokens = await Promise.all(vnodes.map((v) => bootToken(home, v.name, server.url)));
  const clones = await Promise.all(vnodes.map((v, i) => v.clone({ server: server.url, token: tokens[i] ?? "" })));
  for (const [i, result] of clones.entries()) expect(result.code, `${vnodes[i]?.name}: ${result.stderr}\n${result.log}`).toBe(0);
  await server.stop();
  for (const [i, vnode] of vnodes.entries()) {
    const identity = await becomeLiveNode(vnode.target, i + 1);
    const sshd = await startNodeSshd(vnode.namespace, vnode.address, vnode.target);
    nodes.push({ name: vnode.name, vnode, sshd, ...identity });
  }
}, 300_000);

afterAll(async () => {
  for (const node of nodes) await node.sshd.stop();
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("updatenode over SSH on live nodes", () => {
  it("-P runs the node's postscripts on every node in parallel, pinning host keys on first use", async () => {
    await mkdir(path.join(home, "postscripts"), { recursive: true });
    await writeFile(path.join(home, "postscripts", "stamp"), '#!/bin/sh\nset -eu\nenv | sort > /etc/stamp\necho "stamped $NODE"\n');
    await chmod(path.join(home, "postscripts", "stamp"), 0o755);
    const result = await runCli(home, "updatenode", ["compute", "-P", "stamp,update_network"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const node of nodes) {
      expect(result.stdout).toContain(`${node.name}: pinned host key SHA256:`);
      expect(result.stdout).toContain(`${node.name}: postscript stamp: ok (stamped ${node.name})`);
      expect(result.stdout).toContain(`${node.name}: done`);
      const stamp = (await readFile(path.join(node.vnode.target, "etc", "stamp"), "utf8")).split("\n");
      for (const line of [`NODE=${node.name}`, `OSIMAGE=${image}`, "OSIMAGE_VERSION=1", `NODE_HOSTNAME=${node.name}.cluster`, "FIRMWARE=uefi", "TARGET=live", "ESP=/boot/efi", `INSTALLNIC_MAC=${node.vnode.mac}`, "ROOT=/"]) {
        expect(stamp, node.name).toContain(line);
      }
      expect(await readFile(path.join(node.vnode.target, "etc", "hostname"), "utf8")).toBe(`${node.name}\n`);
      const pinned = JSON.parse(await cli("lsdef", node.name, "--json")) as { attributes?: Record<string, string> }[] | Record<string, unknown>;
      expect(JSON.stringify(pinned)).toContain((await readFile(path.join(node.vnode.target, "etc", "ssh", "ssh_host_ed25519_key.pub"), "utf8")).split(" ")[1]);
    }
    expect(result.stdout).toContain(`updatenode: postscripts on ${nodeCount} node(s)`);
    expect(result.stdout).toContain(`${nodeCount} ok`);
  });

  it("-F copies the synclist's files and the overrides, and nothing else", async () => {
    const files = path.join(home, "sync");
    await mkdir(path.join(files, "conf.d"), { recursive: true });
    await writeFile(path.join(files, "ntp.conf"), "server 10.0.0.1 iburst\n");
    await writeFile(path.join(files, "conf.d", "a.conf"), "a\n");
    await writeFile(path.join(files, "conf.d", "b.conf"), "b\n");
    await writeFile(path.join(files, "limits"), "* hard nofile 65536\n");
    await writeFile(path.join(home, "compute.synclist"), "# site files\nsync/ntp.conf -> /etc/ntp.conf\nsync/conf.d/ -> /etc/app.d/\nsync/limits sync/ntp.conf -> /etc/security/\n");
    await cli("chdef", "-t", "osimage", image, "synclist=compute.synclist");
    const before = await changedFiles(path.join(home, "images", image, "current", "root"), rootOf("un01"));
    const result = await runCli(home, "updatenode", ["un[01-12]", "-F"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toContain("un01: sync: 3 synclist entries, overrides group compute; 5 file(s) changed");
    for (const node of nodes) {
      const root = node.vnode.target;
      expect(await readFile(path.join(root, "etc", "ntp.conf"), "utf8")).toBe("server 10.0.0.1 iburst\n");
      expect(await readFile(path.join(root, "etc", "app.d", "b.conf"), "utf8")).toBe("b\n");
      expect(await readFile(path.join(root, "etc", "security", "limits"), "utf8")).toBe("* hard nofile 65536\n");
      expect(await readFile(path.join(root, "etc", "motd"), "utf8")).toBe("compute motd\n");
    }
    const after = await changedFiles(path.join(home, "images", image, "current", "root"), rootOf("un01"));
    expect(after.filter((f) => !before.includes(f))).toEqual(["etc/app.d/a.conf", "etc/app.d/b.conf", "etc/ntp.conf", "etc/security/limits", "etc/security/ntp.conf"]);
    const again = await runCli(home, "updatenode", ["un01", "-F"]);
    expect(again.stdout).toContain("un01: sync: 3 synclist entries, overrides group compute; 0 file(s) changed");
  });

  it("-S brings every node to the image's new version: changes, additions and deletions, keep-list untouched byte for byte, boot loader rerun with the node's UUIDs", async () => {
    const kept = new Map<string, string>();
    for (const node of nodes) for (const file of keepFiles) kept.set(`${node.name}/${file}`, await sha(path.join(node.vnode.target, file)));
    await changeGolden(golden.root);
    await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root, "--layout", path.join(home, "layout.xml"));

    const result = await runCli(home, "updatenode", ["compute", "-S", "--json"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const report = JSON.parse(result.stdout) as { nodes: { node: string; ok: boolean; events: string[]; outcome: Record<string, unknown> }[]; summary: { ok: number } };
    expect(report.summary.ok).toBe(nodeCount);
    for (const node of nodes) {
      const root = node.vnode.target;
      const entry = report.nodes.find((n) => n.node === node.name);
      // Deleted: the file the image dropped, and /etc/stamp, which only a postscript made (-P makes it again).
      expect(entry?.outcome["deletedPaths"]).toEqual(["etc/stamp", "usr/share/app/removed-in-v2"]);
      expect(entry?.outcome).toMatchObject({ imageVersion: 2, changed: 3, deleted: 2, bootloaderRerun: true });
      expect(entry?.events).toContain("software: /boot changed: rerunning efibootloader");
      expect(await readFile(path.join(root, "usr", "share", "app", "config"), "utf8")).toBe("version=2\n");
      expect(await readFile(path.join(root, "usr", "share", "app", "added-in-v2"), "utf8")).toBe("new\n");
      expect(existsSync(path.join(root, "usr", "share", "app", "removed-in-v2"))).toBe(false);
      for (const file of keepFiles) expect(await sha(path.join(root, file)), `${node.name}: ${file}`).toBe(kept.get(`${node.name}/${file}`));
      const grub = await readFile(path.join(root, "boot", "grub", "grub.cfg"), "utf8");
      expect(grub).toContain("Debian (new kernel)");
      expect(grub).toContain(node.rootUuid);
      expect(grub).not.toContain(goldenRootUuid);
      expect(await readFile(path.join(root, "boot", "efi", "EFI", "BOOT", "BOOTX64.EFI"), "utf8")).toBe("pretend UEFI loader\n");
      expect(await readFile(path.join(root, "etc", "motd"), "utf8")).toBe("compute motd\n");
      const stat = JSON.parse(await cli("lsdef", node.name, "-i", "imageversion", "--json")) as unknown;
      expect(JSON.stringify(stat)).toContain('"imageversion":"2"');
    }
    // Everything else on the node is the new image exactly.
    const differences = await changedFiles(path.join(home, "images", image, "current", "root"), rootOf("un03"));
    const expected = [
      "boot/efi/EFI/BOOT/BOOTX64.EFI", "boot/grub/grub.cfg",
      "etc/app.d/a.conf", "etc/app.d/b.conf", "etc/fstab", "etc/hostname", "etc/hosts", "etc/machine-id", "etc/motd",
      "etc/network/interfaces", "etc/network/interfaces.golden", "etc/ntp.conf", "etc/security/limits", "etc/security/ntp.conf",
      "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key.pub",
      // The first-boot reporter and its credential are the node's own (keep-list), as is its log.
      "usr/local/sbin/sysclone-firstboot", "var/lib/sysclone/firstboot", "var/log/messages",
    ];
    expect(differences.filter((f) => !f.startsWith("sys/") && !f.startsWith("proc/") && !f.startsWith("dev/") && !f.startsWith("run/"))).toEqual(expected);

    const unchanged = await runCli(home, "updatenode", ["un01", "-S"]);
    expect(unchanged.stdout).toContain(`un01: software: v2 → ${image} v2: 0 changed, 0 deleted`);
    expect(unchanged.stdout).not.toContain("efibootloader");
  });

  it("a node that is down and a node whose host key changed fail alone, with clear messages; -k re-pins and pushes the key", async () => {
    const down = nodes[3];
    const rekeyed = nodes[7];
    if (!down || !rekeyed) throw new Error("nodes missing");
    await run("ip", ["link", "set", down.vnode.hostVeth, "down"]);
    await rekeyed.sshd.stop();
    const newKey = await regenerateHostKey(rekeyed.vnode.target);
    rekeyed.sshd = await startNodeSshd(rekeyed.vnode.namespace, rekeyed.vnode.address, rekeyed.vnode.target);
    try {
      const result = await runCli(home, "updatenode", ["compute", "-P", "stamp", "--connect-timeout", "3"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`${down.name}: failed: cannot reach ${down.name} at ${down.vnode.address.replace(/\./g, "\\.")}:22: Timed out`));
      expect(result.stdout).toContain(`${rekeyed.name}: failed: ${rekeyed.name} (${rekeyed.vnode.address}) presented a host key that differs from the pinned one`);
      expect(result.stdout).toContain(`pin its new key with \`updatenode ${rekeyed.name} -k\``);
      for (const node of nodes.filter((n) => n !== down && n !== rekeyed)) expect(result.stdout).toContain(`${node.name}: postscript stamp: ok`);
      expect(result.stdout).toContain(`${nodeCount - 2} ok, 2 failed: ${down.name} (SSH_UNREACHABLE), ${rekeyed.name} (SSH_HOSTKEY_CHANGED)`);

      const authorized = path.join(rekeyed.vnode.target, "root", ".ssh", "authorized_keys");
      await writeFile(authorized, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0 admin@site\n${await readFile(authorized, "utf8")}`);
      const repin = await runCli(home, "updatenode", [rekeyed.name, "-k"]);
      expect(repin.code, repin.stderr + repin.stdout).toBe(0);
      expect(repin.stdout).toMatch(new RegExp(`${rekeyed.name}: host key changed from SHA256:\\S+ to SHA256:\\S+: pinned the new one`));
      expect(repin.stdout).toContain(`${rekeyed.name}: keys: server key already authorized`);
      expect(JSON.stringify(JSON.parse(await cli("lsdef", rekeyed.name, "--json")))).toContain(newKey.split(" ")[1]);
      // The key is pushed when it is missing, once, and the other keys stay.
      const serverKey = (await cli("sysclone", "keys")).trim();
      await writeFile(authorized, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0 admin@site\n${serverKey}\n`);
      await cli("updatenode", rekeyed.name, "-k");
      expect((await readFile(authorized, "utf8")).split("\n").filter((l) => l.includes(serverKey.split(" ")[1] ?? "?"))).toHaveLength(1);
      expect(await readFile(authorized, "utf8")).toContain("admin@site");
      const after = await runCli(home, "updatenode", [rekeyed.name, "-P", "stamp"]);
      expect(after.code, after.stdout).toBe(0);
    } finally {
      await run("ip", ["link", "set", down.vnode.hostVeth, "up"]);
    }
  });

  it("no flag runs -F, -S and -P in order, and a bad noderange or synclist is refused before any node is touched", async () => {
    const all = await runCli(home, "updatenode", ["un01"]);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const order = ["un01: sync:", "un01: software:", "un01: postscript update_network: ok", "un01: done"].map((line) => all.stdout.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    await writeFile(path.join(home, "postscripts", "broken"), "#!/bin/sh\necho 'broken: license server unreachable'\nexit 7\n");
    await chmod(path.join(home, "postscripts", "broken"), 0o755);
    const broken = await runCli(home, "updatenode", ["un05", "-P", "broken,stamp"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("un05: failed: postscript broken exited 7: broken: license server unreachable — fix the script or the node, then: updatenode un05 -P broken");
    expect(broken.stdout).not.toContain("postscript stamp");

    const badRange = await runCli(home, "updatenode", ["un[01-"]);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toContain("BAD_NODERANGE");
    await writeFile(path.join(home, "compute.synclist"), "sync/ntp.conf /etc/ntp.conf\n");
    const badList = await runCli(home, "updatenode", ["un02", "-F"]);
    expect(badList.code).toBe(1);
    expect(badList.stdout).toContain("un02: failed: ");
    expect(badList.stdout).toContain("compute.synclist line 1: expected exactly one ` -> `");
  });
});
