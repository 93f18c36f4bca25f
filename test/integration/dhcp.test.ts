import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { run } from "../../src/exec/runner.js";
import { cliOk } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";
import { defaults } from "../../src/objects/schema.js";

let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
let script: string;
const port = 18380;
const rsyncPort = 18383;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

/** One DHCP exchange from the node's namespace with busybox udhcpc; what it was given, as KEY=VALUE. */
async function lease(node: VirtualNode, extra: readonly string[] = []): Promise<Record<string, string>> {
  const out = path.join(home, `${node.name}-${Date.now()}.lease`);
  await run("ip", ["netns", "exec", node.namespace, "ip", "addr", "flush", "dev", "eth0"]);
  const result = await run("ip", ["netns", "exec", node.namespace, "env", `LEASE_OUT=${out}`, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", script, ...extra], { timeoutMs: 30_000 });
  expect(result.exitCode, result.stderrTail).toBe(0);
  const text = await readFile(out, "utf8");
  return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-dhcp-"));
  net = await createProvisioningNetwork();
  script = path.join(home, "udhcpc.sh");
  await writeFile(script, '#!/bin/sh\n[ "$1" = bound ] || exit 0\nprintf "ip=%s\\nboot_file=%s\\nhostname=%s\\nsiaddr=%s\\nopt175=%s\\n" "$ip" "$boot_file" "$hostname" "$siaddr" "${opt175:-}" > "$LEASE_OUT"\n');
  await chmod(script, 0o755);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("sysclone serve runs dnsmasq: DHCP from the nodes, TFTP of iPXE, iPXE pointed at /boot.ipxe", () => {
  it("refuses to start when dnsmasq rejects the configuration, with dnsmasq's words", async () => {
    const failed = await startServe(home, net.serverAddress, port, rsyncPort, ["--dhcp-interface", net.bridge, "--dhcp-range", "10.9.9.9,banana"]).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(failed).toContain("exited 49");
    expect(failed).toContain("dnsmasq rejected its configuration");
  });

  it("gives a defined node its own address and the right boot file for firmware and for iPXE; unknown machines get the range", async () => {
    const known = await net.addNode("dh01");
    const unknown = await net.addNode("dh02");
    const subnet = net.serverAddress.replace(/\.1$/, "");
    await cli("mkdef", "-t", "node", "dh01", `mac=${known.mac}`, `ip=${subnet}.77`, "hostname=dh01.cluster");
    server = await startServe(home, net.serverAddress, port, rsyncPort, ["--dhcp-interface", net.bridge, "--dhcp-range", `${subnet}.100,${subnet}.150,255.255.255.0`]);
    expect(server.output()).toContain(`DHCP and TFTP on ${net.bridge}`);

    const firmware = await lease(known);
    expect(firmware).toMatchObject({ ip: `${subnet}.77`, boot_file: "undionly.kpxe", hostname: "dh01", siaddr: net.serverAddress });
    // iPXE (option 175 sent, and asked for) is told not to wait for ProxyDHCP offers: 175 holds 176 (no-pxedhcp), length 1,
    // value 1, then the end mark dnsmasq closes encapsulated options with.
    const ipxe = await lease(known, ["-x", "0xaf:01", "-O", "175"]);
    expect(ipxe["boot_file"]).toBe(`${server.url}/boot.ipxe`);
    expect(ipxe["opt175"]).toBe("b00101ff");
    expect(firmware["opt175"]).toBe("");

    const other = await lease(unknown);
    expect(Number(other["ip"]?.split(".")[3])).toBeGreaterThanOrEqual(100);
    expect(Number(other["ip"]?.split(".")[3])).toBeLessThanOrEqual(150);

    // A node defined while the server runs gets its entry within the refresh interval.
    await cli("mkdef", "-t", "node", "dh02", `mac=${unknown.mac}`, `ip=${subnet}.78`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await run("ip", ["netns", "exec", unknown.namespace, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-R", "-t", "1", "-T", "1", "-s", "/bin/true"], { timeoutMs: 10_000 });
    expect((await lease(unknown))["ip"]).toBe(`${subnet}.78`);
  });

  it("keeps serving when a node's host name could not go into a host entry: the entry is made without it", async () => {
    const node = await net.addNode("dh09");
    const subnet = net.serverAddress.replace(/\.1$/, "");
    // Written past mkdef's checks, as a store from before them may hold it: a space and a comma that would add a DHCP option.
    withHomeStore(home, (store) => store.createObject("node", "dh09", { ...defaults("node"), mac: node.mac, ip: `${subnet}.79`, hostname: "bad host,set:evil" }));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(server.child.exitCode, server.output()).toBeNull();
    const given = await lease(node);
    expect(given["ip"]).toBe(`${subnet}.79`);
    expect(given["hostname"]).toBe("");
  });

  it("serves Debian's iPXE binaries over TFTP", async () => {
    const node = await net.addNode("dh03");
    const given = await lease(node);
    await run("ip", ["netns", "exec", node.namespace, "ip", "addr", "add", `${given["ip"] ?? ""}/24`, "dev", "eth0"]);
    const local = path.join(home, "undionly.kpxe");
    const result = await run("ip", ["netns", "exec", node.namespace, "busybox", "tftp", "-g", "-r", "undionly.kpxe", "-l", local, net.serverAddress], { timeoutMs: 30_000 });
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(await readFile(local)).toEqual(await readFile("/usr/lib/ipxe/undionly.kpxe"));
  });
});
