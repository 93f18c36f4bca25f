import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSshKit, regenerateHostKey, startNodeSshd, type NodeSshd } from "../../src/demo/live-node.js";
import { must } from "../../src/exec/must.js";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { run } from "../../src/exec/runner.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { changedFiles } from "../helpers/tree-diff.js";
import { withHomeStore } from "../helpers/store.js";

const image = "upimg";
const goldenRootUuid = "0aaa0000-1111-4222-8333-944444444444";
const goldenEspUuid = "0AAA-0001";
const nodeCount = 12;

let home: string;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let server: ServeProcess;
const nodes: { name: string; vnode: VirtualNode; sshd: NodeSshd; rootUuid: string; espUuid: string }[] = [];
/** What the server answered to first-boot reports that must be refused, sent before the clones' real first boots. */
const refusedReports: { what: string; status: number; code: string }[] = [];
const hostKeyTypes = ["ecdsa", "ed25519", "rsa"];

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

/** What a disk node has beyond its clone: its own UUIDs and UEFI firmware (its host keys come from its first boot). */
async function becomeLiveNode(root: string, index: number): Promise<{ rootUuid: string; espUuid: string }> {
  const rootUuid = `1bbb0000-1111-4222-8333-9444444444${String(index).padStart(2, "0")}`;
  const espUuid = `1BBB-00${String(index).padStart(2, "0")}`;
  await writeFile(path.join(root, "etc", "fstab"), fstabOf(rootUuid, espUuid));
  await writeFile(path.join(root, "boot", "grub", "grub.cfg"), grubOf(rootUuid));
  await mkdir(path.join(root, "sys", "firmware", "efi"), { recursive: true });
  await mkdir(path.join(root, "var", "log"), { recursive: true });
  await writeFile(path.join(root, "var", "log", "messages"), `node ${index} has been running for a while\n`);
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

const publicKeyOf = async (root: string, type = "ed25519"): Promise<string> => (await readFile(path.join(root, "etc", "ssh", `ssh_host_${type}_key.pub`), "utf8")).trim().split(" ").slice(0, 2).join(" ");
const pinnedOf = async (node: string): Promise<string> => (JSON.parse(await cli("lsdef", node, "--json")) as { hostkey?: string }[])[0]?.hostkey ?? "";
const fingerprintOf = async (publicKeyFile: string): Promise<string> => (await must("ssh-keygen", ["-lf", publicKeyFile])).stdoutTail.split(" ")[1] ?? "";

/** POST a first-boot report with the credential the clone at `root` holds, as its reporter would. */
async function report(root: string, node: string, body: unknown): Promise<{ status: number; code: string }> {
  const token = /TOKEN=(\S+)/.exec(await readFile(path.join(root, "var", "lib", "sysclone", "firstboot"), "utf8"))?.[1] ?? "";
  const response = await fetch(`${server.url}/firstboot/${node}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, code: ((await response.json()) as { code?: string }).code ?? "" };
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
  const [first, second] = vnodes;
  if (!first || !second) throw new Error("nodes missing");
  // Reports that must be refused, each leaving the credential unused: a key that does not parse, a
  // body the schema refuses, and (once un01 has pinned its key) a key another node already holds.
  const forged = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0";
  refusedReports.push({ what: "a key that does not parse", ...(await report(first.target, first.name, { hostname: first.name, hostkeys: [forged] })) });
  refusedReports.push({ what: "a key of an unknown type", ...(await report(first.target, first.name, { hostname: first.name, hostkeys: [forged.replace("ssh-ed25519", "ssh-dss")] })) });
  refusedReports.push({ what: "a line that is no key", ...(await report(first.target, first.name, { hostname: first.name, hostkeys: ["-----BEGIN OPENSSH PRIVATE KEY-----"] })) });
  // Each clone's first boot: it makes its own host keys and reports them with its credential.
  const boot = async (vnode: VirtualNode): Promise<void> => {
    const booted = await vnode.firstBoot({ timeoutSeconds: 30 });
    expect(booted.exitCode, `${vnode.name}: ${booted.stdoutTail}${booted.stderrTail}`).toBe(0);
    expect(booted.stdoutTail).toContain(`reported booted to ${server.url} as ${vnode.name}`);
  };
  await boot(first);
  refusedReports.push({ what: "another node's key", ...(await report(second.target, second.name, { hostname: second.name, hostkeys: [await publicKeyOf(first.target)] })) });
  await Promise.all(vnodes.slice(1).map(boot));
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

describe("SSH host keys of clones", () => {
  it("the image holds no private host key; each clone made its own on first boot, and the server pinned them from its report", async () => {
    const imageSsh = path.join(home, "images", image, "current", "root", "etc", "ssh");
    expect((await readdir(imageSsh)).filter((f) => f.startsWith("ssh_host_"))).toEqual(["ssh_host_ed25519_key.pub"]);
    const golden = await publicKeyOf(path.join(home, "images", image, "current", "root"));
    const seen = new Set<string>([golden]);
    for (const node of nodes) {
      const own = await Promise.all(hostKeyTypes.map((type) => publicKeyOf(node.vnode.target, type)));
      for (const key of own) {
        expect(seen.has(key), `${node.name} shares a host key`).toBe(false);
        seen.add(key);
      }
      expect(await pinnedOf(node.name)).toBe(own.join(","));
      expect(existsSync(path.join(node.vnode.target, "var", "lib", "sysclone", "firstboot")), `${node.name}: the credential is used up`).toBe(false);
      const events = withHomeStore(home, (store) => store.events({ node: node.name })).filter((e) => e.kind === "hostkey-pinned");
      expect(events).toHaveLength(1);
      expect(events[0]?.data).toEqual({ old: [], new: await Promise.all(hostKeyTypes.map((type) => fingerprintOf(path.join(node.vnode.target, "etc", "ssh", `ssh_host_${type}_key.pub`)))), by: "first boot", checked: true });
    }
    expect(seen.size).toBe(1 + nodeCount * hostKeyTypes.length);
  });

  it("refused first-boot reports with a malformed key, or with another node's key, and pinned nothing from them", () => {
    expect(refusedReports).toEqual([
      { what: "a key that does not parse", status: 400, code: "BAD_HOSTKEY" },
      { what: "a key of an unknown type", status: 400, code: "BAD_HOSTKEY" },
      { what: "a line that is no key", status: 400, code: "BAD_REQUEST" },
      { what: "another node's key", status: 400, code: "BAD_HOSTKEY" },
    ]);
    const un02 = withHomeStore(home, (store) => store.events({ node: "un02" }));
    expect(un02.some((e) => e.kind === "hostkey-refused" && e.message.includes("pinned for un01"))).toBe(true);
  });
});

describe("updatenode over SSH on live nodes", () => {
  it("-P runs the node's postscripts on every node in parallel, trusting the host keys their first boots pinned", async () => {
    await mkdir(path.join(home, "postscripts"), { recursive: true });
    await writeFile(path.join(home, "postscripts", "stamp"), '#!/bin/sh\nset -eu\nenv | sort > /etc/stamp\necho "stamped $NODE"\n');
    await chmod(path.join(home, "postscripts", "stamp"), 0o755);
    const result = await runCli(home, "updatenode", ["compute", "-P", "stamp,update_network"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    for (const node of nodes) {
      expect(result.stdout).not.toContain(`${node.name}: pinned host key`);
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
    // Twelve nodes at once, one abort listener for all: Node warns of none.
    expect(result.stderr).not.toContain("MaxListenersExceededWarning");
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
      // The node's own host keys (kept); the image holds only the golden client's ed25519 public key.
      ...hostKeyTypes.flatMap((type) => [`etc/ssh/ssh_host_${type}_key`, `etc/ssh/ssh_host_${type}_key.pub`]),
      // The first-boot reporter is the node's own (keep-list; its credential is gone, used up), as is its log.
      "usr/local/sbin/sysclone-firstboot", "var/log/messages",
    ];
    expect(differences.filter((f) => !f.startsWith("sys/") && !f.startsWith("proc/") && !f.startsWith("dev/") && !f.startsWith("run/"))).toEqual(expected);

    const unchanged = await runCli(home, "updatenode", ["un01", "-S"]);
    expect(unchanged.stdout).toContain(`un01: software: v2 → ${image} v2: 0 changed, 0 deleted`);
    expect(unchanged.stdout).not.toContain("efibootloader");
  });

  it("a node that is down and a node whose host key changed fail alone, with clear messages; -k alone re-pins the expected key, as an event, and pushes the server's key", async () => {
    const down = nodes[3];
    const rekeyed = nodes[7];
    const other = nodes[0];
    if (!down || !rekeyed || !other) throw new Error("nodes missing");
    const sshDir = path.join(rekeyed.vnode.target, "etc", "ssh");
    const oldFingerprints = await Promise.all(hostKeyTypes.map((type) => fingerprintOf(path.join(sshDir, `ssh_host_${type}_key.pub`))));
    const rekey = async (): Promise<{ key: string; fingerprint: string }> => {
      await rekeyed.sshd.stop();
      const key = await regenerateHostKey(rekeyed.vnode.target);
      rekeyed.sshd = await startNodeSshd(rekeyed.vnode.namespace, rekeyed.vnode.address, rekeyed.vnode.target);
      return { key, fingerprint: await fingerprintOf(path.join(sshDir, "ssh_host_ed25519_key.pub")) };
    };
    const pinEvents = () => withHomeStore(home, (store) => store.events({ node: rekeyed.name })).filter((e) => e.kind === "hostkey-pinned");
    await run("ip", ["link", "set", down.vnode.hostVeth, "down"]);
    const { key: newKey, fingerprint: newFingerprint } = await rekey();
    try {
      const result = await runCli(home, "updatenode", ["compute", "-P", "stamp", "--connect-timeout", "3"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`${down.name}: failed: cannot reach ${down.name} at ${down.vnode.address.replace(/\./g, "\\.")}:22: Timed out`));
      expect(result.stdout).toContain(`${rekeyed.name}: failed: ${rekeyed.name} (${rekeyed.vnode.address}) presented a host key that differs from the pinned one`);
      expect(result.stdout).toContain(`pin it: \`updatenode ${rekeyed.name} -k --fingerprint SHA256:…\``);
      for (const node of nodes.filter((n) => n !== down && n !== rekeyed)) expect(result.stdout).toContain(`${node.name}: postscript stamp: ok`);
      expect(result.stdout).toContain(`${nodeCount - 2} ok, 2 failed: ${down.name} (SSH_UNREACHABLE), ${rekeyed.name} (SSH_HOSTKEY_CHANGED)`);

      // -k runs alone, --fingerprint goes with -k on one node: refused before any node is touched.
      const pinnedBefore = await pinnedOf(rekeyed.name);
      const refusals: [string[], string][] = [
        [[rekeyed.name, "-k", "-P", "stamp"], "[USAGE]: updatenode -k runs alone, not with -P"],
        [[rekeyed.name, "-k", "-S"], "[USAGE]: updatenode -k runs alone, not with -S"],
        [[rekeyed.name, "--fingerprint", newFingerprint], "[USAGE]: --fingerprint goes with -k"],
        [["compute", "-k", "--fingerprint", newFingerprint], `[USAGE]: --fingerprint names one node's key, and the noderange holds ${nodeCount} nodes`],
        [[rekeyed.name, "-k", "--fingerprint", "SHA256:short"], "[BAD_HOSTKEY]"],
      ];
      for (const [args, message] of refusals) {
        const refused = await runCli(home, "updatenode", args);
        expect(refused.code, args.join(" ")).toBe(2);
        expect(refused.stderr).toContain(message);
        expect(refused.stdout).toBe("");
      }
      expect(await pinnedOf(rekeyed.name)).toBe(pinnedBefore);
      expect(pinEvents()).toHaveLength(1);

      // A key other than the expected one is not pinned.
      const wrongFingerprint = await fingerprintOf(path.join(other.vnode.target, "etc", "ssh", "ssh_host_ed25519_key.pub"));
      const wrong = await runCli(home, "updatenode", [rekeyed.name, "-k", "--fingerprint", wrongFingerprint]);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toContain(`${rekeyed.name}: failed: ${rekeyed.name} (${rekeyed.vnode.address}) presented host key ${newFingerprint}, not the expected ${wrongFingerprint}`);
      expect(wrong.stdout).toContain(`1 failed: ${rekeyed.name} (SSH_HOSTKEY_CHANGED)`);
      expect(await pinnedOf(rekeyed.name)).toBe(pinnedBefore);
      expect(pinEvents()).toHaveLength(1);

      // The expected one is: an event says what it replaced.
      const authorized = path.join(rekeyed.vnode.target, "root", ".ssh", "authorized_keys");
      await writeFile(authorized, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0 admin@site\n${await readFile(authorized, "utf8")}`);
      const repin = await runCli(home, "updatenode", [rekeyed.name, "-k", "--fingerprint", newFingerprint]);
      expect(repin.code, repin.stderr + repin.stdout).toBe(0);
      expect(repin.stdout).toContain(`${rekeyed.name}: host key changed from ${oldFingerprints.join(", ")} to ${newFingerprint}: pinned the new one (-k, fingerprint checked)`);
      expect(repin.stdout).toContain(`${rekeyed.name}: keys: server key already authorized`);
      expect(await pinnedOf(rekeyed.name)).toBe(newKey);
      expect(pinEvents()[0]?.data).toEqual({ old: oldFingerprints, new: [newFingerprint], by: "updatenode -k", checked: true });
      expect(pinEvents()).toHaveLength(2);
      // The key is pushed when it is missing, once, and the other keys stay.
      const serverKey = (await cli("sysclone", "keys")).trim();
      await writeFile(authorized, `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherAdminKeyOtherAdminKeyOtherAdminKey0 admin@site\n${serverKey}\n`);
      expect(await cli("updatenode", rekeyed.name, "-k")).toContain(`${rekeyed.name}: host key ${newFingerprint} is the pinned one: nothing to re-pin`);
      expect((await readFile(authorized, "utf8")).split("\n").filter((l) => l.includes(serverKey.split(" ")[1] ?? "?"))).toHaveLength(1);
      expect(await readFile(authorized, "utf8")).toContain("admin@site");
      expect(pinEvents()).toHaveLength(2);
      // -k without --fingerprint still re-pins whatever the node presents, and the event says it was not checked.
      const third = await rekey();
      const blind = await runCli(home, "updatenode", [rekeyed.name, "-k"]);
      expect(blind.code, blind.stderr + blind.stdout).toBe(0);
      expect(blind.stdout).toContain(`${rekeyed.name}: host key changed from ${newFingerprint} to ${third.fingerprint}: pinned the new one (-k, fingerprint not checked)`);
      expect(pinEvents()[0]?.data).toEqual({ old: [newFingerprint], new: [third.fingerprint], by: "updatenode -k", checked: false });
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
