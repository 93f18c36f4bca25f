import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { run } from "../../src/exec/runner.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { changedFiles } from "../helpers/tree-diff.js";
import { populateFidelityTree } from "../helpers/fidelity-tree.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { startHttpProxy, type HttpProxy } from "../helpers/http-proxy.js";
import { withHomeStore } from "../helpers/store.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { loadOrCreateSigningKey, publicKeyPem, signingKeyFile } from "../../src/install/signing.js";
import { shellQuote } from "../../src/format/shell.js";

let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
const image = "vnimg";
const port = 18080;
const rsyncPort = 18873;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

const tokenFor = (node: string): Promise<string> => bootToken(home, node, server.url);

async function nodestat(node: string): Promise<Record<string, unknown>> {
  const rows = JSON.parse(await cli("nodestat", node, "--json")) as Record<string, unknown>[];
  return rows[0] ?? {};
}

/** Itemised differences between the image version and a clone, one path each. */
function differences(clone: string): Promise<string[]> {
  return changedFiles(path.join(home, "images", image, "current", "root"), clone);
}

async function defineNode(name: string, node: VirtualNode, index: number): Promise<void> {
  await cli("mkdef", "-t", "node", name, "groups=compute", `osimage=${image}`, `hostname=${name}.cluster`, "nicmode=static", `ip=10.40.0.${10 + index}`, "netmask=255.255.255.0", "gateway=10.40.0.1", `mac=${node.mac}`);
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateFidelityTree(root, { largeFileMiB: 48 });
      await populateSystemTree(root);
    },
  });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  await cli("chdef", "-t", "osimage", image, "postscripts=update_network,stamp");
  await cli("mkdef", "-t", "group", "compute", "priority=10");
  // Overrides: the image's, the group's and the node's; the node's wins where they overlap.
  for (const [dir, text] of [[image, "image motd\n"], ["compute", "group motd\n"], ["vn01", "node motd\n"]] as const) {
    await mkdir(path.join(home, "overrides", dir, "etc"), { recursive: true });
    await writeFile(path.join(home, "overrides", dir, "etc", "motd"), text);
  }
  await writeFile(path.join(home, "overrides", "compute", "etc", "group-only"), "compute\n");
  await mkdir(path.join(home, "postscripts"), { recursive: true });
  await writeFile(path.join(home, "postscripts", "stamp"), '#!/bin/sh\nset -eu\nenv | sort > /etc/stamp\n[ -f /etc/motd ] || exit 9\n');
  await chmod(path.join(home, "postscripts", "stamp"), 0o755);
  server = await startServe(home, net.serverAddress, port, rsyncPort);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("virtual nodes clone into directories through the real server and rsync daemon", () => {
  it("clones three nodes at once; each equals the image except what overrides and postscripts changed", async () => {
    const nodes = await Promise.all(["vn01", "vn02", "vn03"].map((name) => net.addNode(name)));
    for (const [i, node] of nodes.entries()) await defineNode(node.name, node, i + 1);
    const tokens = await Promise.all(nodes.map((n) => tokenFor(n.name)));
    const runs = await Promise.all(nodes.map((node, i) => node.clone({ server: server.url, token: tokens[i] ?? "" })));
    for (const [i, result] of runs.entries()) expect(result.code, `${nodes[i]?.name}: ${result.stderr}\n${result.log}`).toBe(0);

    for (const [i, node] of nodes.entries()) {
      const changed = await differences(node.target);
      const expected = ["etc/group-only", "etc/hostname", "etc/hosts", "etc/machine-id", "etc/motd", "etc/network/interfaces", "etc/network/interfaces.golden", "etc/stamp", "usr/local/sbin/sysclone-firstboot", "var/lib/sysclone/firstboot"];
      expect(changed, node.name).toEqual(expected);
      const root = node.target;
      expect(await readFile(path.join(root, "etc", "motd"), "utf8")).toBe(node.name === "vn01" ? "node motd\n" : "group motd\n");
      expect(await readFile(path.join(root, "etc", "hostname"), "utf8")).toBe(`${node.name}\n`);
      expect(await readFile(path.join(root, "etc", "machine-id"), "utf8")).toBe("");
      const interfaces = await readFile(path.join(root, "etc", "network", "interfaces"), "utf8");
      expect(interfaces).toContain("iface enp1s0 inet static");
      expect(interfaces).toContain(`address 10.40.0.${11 + i}/24`);
      expect(interfaces).toContain("gateway 10.40.0.1");
      const stamp = await readFile(path.join(root, "etc", "stamp"), "utf8");
      for (const line of [`NODE=${node.name}`, `OSIMAGE=${image}`, "OSIMAGE_VERSION=1", `SERVER=${net.serverAddress}`, `NODE_HOSTNAME=${node.name}.cluster`, "NICMODE=static", `INSTALLNIC_MAC=${node.mac}`, "TARGET=directory", "ROOT=/"]) {
        expect(stamp.split("\n"), node.name).toContain(line);
      }
      const stat = await nodestat(node.name);
      expect(stat).toMatchObject({ state: "installed", destiny: "boot", phase: "done", percent: 100, lastError: "" });
    }
    expect(runs[0]?.log).toMatch(/verify: \d+ files match the manifest/);
  });

  it("clones with the streamed archive (tar + zstd over HTTP), checked against the manifest as it lands instead of an rsync walk", async () => {
    await cli("chdef", "-t", "osimage", image, "transport=archive");
    try {
      const node = await net.addNode("vn07");
      await defineNode("vn07", node, 7);
      const result = await node.clone({ server: server.url, token: await tokenFor("vn07") });
      expect(result.code, `${result.stderr}\n${result.log}`).toBe(0);
      expect(result.log).toMatch(/verify: \d+ files match the manifest/);
      // A veth reports 10 Gb/s: faster than zstd on the server, so the node asks for plain tar.
      expect(result.log).toContain("archive: plain tar (the link to the server is 10000 Mb/s)");
      // Only the directory holding a name the manifest cannot carry (one with newlines) is walked by rsync.
      expect(result.log).toContain("verify: 1 directories hold names the manifest cannot carry; rsync walks just those");
      expect(result.log).not.toContain("full rsync walk");
      expect(result.log).not.toContain("differ from the manifest");
      expect(await differences(node.target)).toEqual(["etc/group-only", "etc/hostname", "etc/hosts", "etc/machine-id", "etc/motd", "etc/network/interfaces", "etc/network/interfaces.golden", "etc/stamp", "usr/local/sbin/sysclone-firstboot", "var/lib/sysclone/firstboot"]);
    } finally {
      await cli("chdef", "-t", "osimage", image, "transport=rsync");
    }
  });

  it("an archive clone with a byte corrupted (size and time kept) and a mode changed behind tar fetches those two again, and nothing else", async () => {
    await cli("chdef", "-t", "osimage", image, "transport=archive");
    const tools = path.join(home, "corrupting-tar");
    await mkdir(tools, { recursive: true });
    await writeFile(
      path.join(tools, "tar"),
      // The clone hashes each file as tar names the next one (tar -v on stdout), beside the copy. So the byte is
      // changed as a bad write would be, before the copy's own hash can read the file: tar's names pass on one
      // behind (each file is complete once the next is named), and large is corrupted before its name passes.
      // Changed after tar instead, the copy's hash may or may not have read it first: that raced.
      [
        "#!/bin/sh",
        'f="$SC_TARGET_DIR/srv/fidelity/large"',
        'rm -f "$SC_WORK/tar.rc"',
        'corrupt() { touch -r "$f" "$SC_WORK/mtime-ref"; printf X | dd of="$f" bs=1 seek=4096 conv=notrunc 2>/dev/null; touch -r "$SC_WORK/mtime-ref" "$f"; }',
        'pass() { case "$1" in *srv/fidelity/large) corrupt ;; esac; printf "%s\\n" "$1"; }',
        '{ /usr/bin/tar "$@" || echo "$?" >"$SC_WORK/tar.rc"; } | {',
        '  have=0',
        '  while IFS= read -r name; do [ "$have" = 0 ] || pass "$prev"; prev=$name; have=1; done',
        '  [ "$have" = 0 ] || pass "$prev"',
        "}",
        '[ ! -s "$SC_WORK/tar.rc" ] || exit "$(cat "$SC_WORK/tar.rc")"',
        '[ -f "$f" ] || exit 0',
        'chmod 0600 "$SC_TARGET_DIR/etc/fstab"',
      ].join("\n") + "\n",
    );
    await chmod(path.join(tools, "tar"), 0o755);
    // A link that reports no speed (as a VM's NIC does): the archive comes zstd-compressed.
    await writeFile(path.join(tools, "ip"), `#!/bin/sh\ncase "$1 $2" in "route get") echo "$3 dev lo src 127.0.0.1" ;; *) exec /usr/sbin/ip "$@" ;; esac\n`);
    await chmod(path.join(tools, "ip"), 0o755);
    try {
      const node = await net.addNode("vn12");
      await defineNode("vn12", node, 12);
      const result = await node.clone({ server: server.url, token: await tokenFor("vn12"), pathPrefix: tools });
      expect(result.code, `${result.stderr}\n${result.log}`).toBe(0);
      expect(result.log).toContain("archive: zstd (the link to the server is 0 Mb/s, or unknown)");
      expect(result.log).toMatch(/verify: 2 of \d+ entries differ from the manifest; fetching them again/);
      expect(withHomeStore(home, (store) => store.events({ node: "vn12", limit: 100 }).some((e) => e.kind === "finish"))).toBe(true);
      expect(result.log).not.toContain("full rsync walk");
      expect(await differences(node.target)).toEqual(["etc/group-only", "etc/hostname", "etc/hosts", "etc/machine-id", "etc/motd", "etc/network/interfaces", "etc/network/interfaces.golden", "etc/stamp", "usr/local/sbin/sysclone-firstboot", "var/lib/sysclone/firstboot"]);
    } finally {
      await cli("chdef", "-t", "osimage", image, "transport=rsync");
    }
  });

  it("sysclone plan shows what a clone would do to given disks, or why it refuses, touching nothing", async () => {
    const shown = await runCli(home, "sysclone", ["plan", "vn01", "--disk-size", "1G,256M"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("vn01: clone vnimg v1 onto disks /dev/sda, /dev/sdb");
    expect(shown.stdout).toMatch(/disk \/dev\/sda: 1\.0 GiB \(golden \/dev\/loop\d+: 512\.0 MiB\), no partition table → ext4 \/ /);
    expect(shown.stdout).toContain("overrides: image vnimg, group compute, node vn01");
    expect(shown.stdout).toContain("postscripts: update_network, stamp");
    const script = await runCli(home, "sysclone", ["plan", "vn01", "--disk-size", "1G,256M", "--script"]);
    expect(script.stdout).toMatch(/^#!\/bin\/sh\n/);
    expect(script.stdout).toContain("mkfs.ext4 -F -q -U ");
    const tooSmall = await runCli(home, "sysclone", ["plan", "vn01", "--disk-size", "100M,256M"]);
    expect(tooSmall.code).toBe(40);
    expect(tooSmall.stderr).toContain("disk too small: /dev/sda is 100.0 MiB");
    const tooFew = await runCli(home, "sysclone", ["plan", "vn01", "--disk-size", "1G"]);
    expect(tooFew.code).toBe(41);
    expect(tooFew.stderr).toContain("needs 2 disk(s)");
  });

  it("the clone's first boot reports booted once, with the credential its install wrote, and nodestat shows it", async () => {
    const node = await net.addNode("vn08");
    await defineNode("vn08", node, 8);
    expect((await node.clone({ server: server.url, token: await tokenFor("vn08") })).code).toBe(0);
    const state = path.join(node.target, "var", "lib", "sysclone");
    const credential = await readFile(path.join(state, "firstboot"), "utf8");
    expect(credential).toMatch(new RegExp(`^SERVER=${server.url}\nNODE=vn08\nTOKEN=[A-Za-z0-9_-]{43}\n$`));
    expect((await stat(path.join(state, "firstboot"))).mode & 0o777).toBe(0o600);
    // The clone's own reporter, run as its first boot would: in the node's network, under its own host name, with bash alone (no curl or wget on PATH).
    // A stand-in `ip` answers its first call with no address, as before a hotplug interface's DHCP lease lands (network-online does not wait for it).
    const beforeLease = await mkdtemp(path.join(tmpdir(), "sysclone-nolease-"));
    await writeFile(path.join(beforeLease, "ip"), '#!/bin/sh\nif [ ! -e "$0.asked" ]; then : >"$0.asked"; exit 0; fi\nPATH=/usr/sbin:/usr/bin:/sbin:/bin exec ip "$@"\n', { mode: 0o755 });
    const report = (pathPrefix = "") =>
      run("ip", ["netns", "exec", node.namespace, "unshare", "--uts", "sh", "-c", 'hostname vn08 && exec env -i PATH="$2"/usr/sbin:/usr/bin:/sbin:/bin SYSCLONE_STATE_DIR="$0" SYSCLONE_FIRSTBOOT_TIMEOUT=20 /bin/bash "$1"', state, path.join(node.target, "usr", "local", "sbin", "sysclone-firstboot"), pathPrefix ? `${pathPrefix}:` : ""]);
    await writeFile(path.join(state, "saved"), credential);
    const first = await report(beforeLease);
    expect(first.exitCode, first.stderrTail + first.stdoutTail).toBe(0);
    expect(first.stdoutTail).toContain(`reported booted to ${server.url} as vn08`);
    expect(existsSync(path.join(beforeLease, "ip.asked"))).toBe(true);
    await rm(beforeLease, { recursive: true, force: true });
    const booted = withHomeStore(home, (store) => store.events({ node: "vn08", kind: "booted" }));
    expect(booted.map((e) => e.message)).toEqual([`booted from its own disk as vn08 (${node.address}), kernel ${(await run("uname", ["-r"])).stdoutTail.trim()}`]);
    expect(await nodestat("vn08")).toMatchObject({ state: "booted" });
    expect((await nodestat("vn08"))["bootedAt"]).toMatch(/^\d{4}-/);
    const lsdef = await cli("lsdef", "vn08");
    expect(lsdef).toMatch(/bootedat=\d{4}-/);
    // The credential is used up: the same one again is refused, and the reporter stops rather than retrying for ever.
    await writeFile(path.join(state, "firstboot"), credential, { mode: 0o600 });
    const again = await report();
    expect(again.exitCode).toBe(1);
    expect(again.stdoutTail).toContain("the server refused the report (HTTP 403)");
    const forged = await fetch(`${server.url}/firstboot/vn08`, { method: "POST", headers: { authorization: `Bearer ${"B".repeat(43)}`, "content-type": "application/json" }, body: JSON.stringify({ hostname: "vn08" }) });
    expect(forged.status).toBe(403);
  });

  it("refuses a token that was already used, and a made-up one", async () => {
    const node = await net.addNode("vn04");
    await defineNode("vn04", node, 4);
    const token = await tokenFor("vn04");
    expect((await node.clone({ server: server.url, token })).code).toBe(0);
    const reused = await node.clone({ server: server.url, token });
    expect(reused.code).toBe(3);
    const madeUp = await node.clone({ server: server.url, token: "A".repeat(43) });
    expect(madeUp.code).toBe(3);
    const response = await fetch(`${server.url}/install/vn04/progress`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ phase: "pull" }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { code: string }).code).toBe("TOKEN_REFUSED");
    expect(await nodestat("vn04")).toMatchObject({ state: "installed" });
  });

  it("fails the node with the postscript's name and output when a postscript fails, and keeps its log", async () => {
    const node = await net.addNode("vn05");
    await defineNode("vn05", node, 5);
    await writeFile(path.join(home, "postscripts", "broken"), "#!/bin/sh\necho 'broken: the license server is unreachable' >&2\nexit 7\n");
    await chmod(path.join(home, "postscripts", "broken"), 0o755);
    await cli("chdef", "vn05", "postscripts=broken");
    const result = await node.clone({ server: server.url, token: await tokenFor("vn05") });
    expect(result.code).not.toBe(0);
    const stat = await nodestat("vn05");
    expect(stat["state"]).toBe("failed");
    expect(String(stat["lastError"])).toContain("postscript broken exited 7");
    expect(String(stat["lastError"])).toContain("license server is unreachable");
    const logs = (await run("sh", ["-c", `cat ${path.join(home, "var", "logs", "vn05")}/*.log`])).stdoutTail;
    expect(logs).toContain("broken: the license server is unreachable");
  });

  it("completes a clone when the server is killed and restarted in the middle of the copy", async () => {
    const node = await net.addNode("vn06");
    await defineNode("vn06", node, 6);
    // Slow the node's link so the copy is still running when the server dies.
    await run("tc", ["qdisc", "add", "dev", node.hostVeth, "root", "tbf", "rate", "100mbit", "burst", "64kb", "latency", "400ms"]);
    const cloning = node.clone({ server: server.url, token: await tokenFor("vn06") });
    for (let i = 0; i < 300 && (await nodestat("vn06"))["phase"] !== "pull"; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await nodestat("vn06"))["phase"]).toBe("pull");
    await new Promise((r) => setTimeout(r, 1500));
    await server.kill();
    await new Promise((r) => setTimeout(r, 2000));
    server = await startServe(home, net.serverAddress, port, rsyncPort);
    const result = await cloning;
    expect(result.code, `${result.stderr}\n${result.log}`).toBe(0);
    expect(result.log).toMatch(/retrying/);
    expect(await differences(node.target)).toContain("etc/hostname");
    expect(await nodestat("vn06")).toMatchObject({ state: "installed", percent: 100 });
  });
});

describe("what a node receives is signed; a man in the middle cannot change it, and outages are outlasted", () => {
  /**
   * Between the nodes and the server, on an address of its own on the bridge, and the URL the server gives nodes
   * (serve --url): every HTTP call of a plan goes through it, and the rsync port is forwarded from the same address.
   */
  let proxy: HttpProxy;
  let proxyAddress: string;
  beforeAll(async () => {
    proxyAddress = net.serverAddress.replace(/\.1$/, ".2");
    await run("ip", ["addr", "add", `${proxyAddress}/24`, "dev", net.bridge]);
    proxy = await startHttpProxy(proxyAddress, port, { host: net.serverAddress, port }, [rsyncPort]);
    await server.stop();
    server = await startServe(home, net.serverAddress, port, rsyncPort, ["--url", proxy.url]);
  });
  afterAll(async () => {
    await server.stop();
    await proxy?.close();
    await run("ip", ["addr", "del", `${proxyAddress}/24`, "dev", net.bridge]);
    server = await startServe(home, net.serverAddress, port, rsyncPort);
  });

  /** The server's public key as `sysclone initrd build` bakes it into the initrd: from the home's signing key. */
  const signingKey = async (): Promise<string> => publicKeyPem(await loadOrCreateSigningKey(signingKeyFile(path.join(home, "var"))));

  it("refuses a plan altered on the way: nothing of it runs, the node is failed with the reason", async () => {
    const node = await net.addNode("vn09");
    await defineNode("vn09", node, 9);
    const planted = path.join(node.target, "planted");
    proxy.rule = ({ method, path: url }) =>
      method === "POST" && url === "/install/vn09/inventory"
        ? { kind: "rewrite", body: (body) => Buffer.from(body.toString().replace("set -eu\n", `set -eu\ntouch ${shellQuote(planted)}\n`)) }
        : { kind: "pass" };
    try {
      const result = await node.clone({ server: proxy.url, token: await tokenFor("vn09"), signingKey: await signingKey() });
      expect(result.code, `${result.stderr}\n${result.log}`).toBe(5);
      expect(result.stderr).toContain(`the plan from ${proxy.url} fails its signature check: refusing it`);
      expect(existsSync(planted)).toBe(false);
      expect(await readdir(node.target)).toEqual([]);
      const stat = await nodestat("vn09");
      expect(stat["state"]).toBe("failed");
      expect(String(stat["lastError"])).toContain("fails its signature check");
    } finally {
      proxy.rule = () => ({ kind: "pass" });
    }
  });

  it("refuses a manifest altered on the way (a file dropped from the verify list): the clone fails at verify", async () => {
    const node = await net.addNode("vn10");
    await defineNode("vn10", node, 10);
    proxy.rule = ({ method, path: url }) =>
      method === "GET" && url.startsWith("/install/vn10/manifest") ? { kind: "rewrite", body: (body) => Buffer.from(body.toString().split("\n").slice(1).join("\n")) } : { kind: "pass" };
    try {
      const result = await node.clone({ server: proxy.url, token: await tokenFor("vn10"), signingKey: await signingKey() });
      expect(result.code, `${result.stderr}\n${result.log}`).not.toBe(0);
      expect(result.log).toContain("the manifest from");
      expect(result.log).toContain("fails its signature check: refusing it");
      expect(result.log).not.toMatch(/verify: \d+ files match the manifest/);
      const stat = await nodestat("vn10");
      expect(stat).toMatchObject({ state: "failed", phase: "verify" });
      expect(String(stat["lastError"])).toContain("manifest");
      expect(String(stat["lastError"])).toContain("fails its signature check");
    } finally {
      proxy.rule = () => ({ kind: "pass" });
    }
  });

  it("outlasts a server that is away while the plan, the archive, the manifest and the finish are fetched; a finish whose answer was lost is repeated and taken", async () => {
    const node = await net.addNode("vn11");
    await defineNode("vn11", node, 11);
    await cli("chdef", "vn11", "transport=archive");
    let finishAway = 0;
    proxy.rule = ({ path: url, seen }) => {
      if (url === "/install/vn11/inventory" && seen < 1) return { kind: "refuse" };
      if (url.startsWith("/install/vn11/archive") && seen < 1) return { kind: "refuse" };
      if (url.startsWith("/install/vn11/manifest") && seen < 2) return { kind: "refuse" };
      // The first finish reaches the server but its answer is lost; then the server is away for 25 s, longer than the old 20 s of tries.
      if (url === "/install/vn11/finish") {
        if (seen === 0) {
          finishAway = Date.now() + 25_000;
          return { kind: "lose-answer" };
        }
        return Date.now() < finishAway ? { kind: "refuse" } : { kind: "pass" };
      }
      return { kind: "pass" };
    };
    try {
      const result = await node.clone({ server: proxy.url, token: await tokenFor("vn11"), signingKey: await signingKey() });
      expect(result.code, `${result.stderr}\n${result.log}\n${proxy.log.join("\n")}`).toBe(0);
      expect(result.stderr).toContain("plan request failed (server or network away); retrying in 2 s");
      expect(result.log).toContain("archive download failed (server or network away); retrying in 2 s");
      expect(result.log).toContain("manifest download failed (server or network away); retrying in 4 s");
      expect(result.log).toContain("finish report failed (server or network away); retrying in 16 s");
      expect(result.log).toMatch(/verify: \d+ files match the manifest/);
      expect(proxy.log.filter((line) => line.startsWith("POST /install/vn11/finish"))).toEqual([
        "POST /install/vn11/finish lose-answer", ...Array<string>(3).fill("POST /install/vn11/finish refuse"), "POST /install/vn11/finish pass",
      ]);
      expect(await nodestat("vn11")).toMatchObject({ state: "installed", phase: "done", percent: 100 });
      expect(withHomeStore(home, (store) => store.events({ node: "vn11", limit: 100 }).filter((e) => e.kind === "finish"))).toHaveLength(1);
    } finally {
      proxy.rule = () => ({ kind: "pass" });
    }
  });
});
