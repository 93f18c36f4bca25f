// Quick firmware-level PXE checks with real SeaBIOS/OVMF and iPXE, no disk: proxy-DHCP beside a site DHCP server, identity conflicts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { freshOvmfVars, startVm } from "../../src/demo/vm.js";
import { cliOk } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

const port = 18285;
const rsyncPort = 19078;
let net: ProvisioningNetwork;
let home: string;
let work: string;
let server: ServeProcess;
let siteDhcp: ChildProcess;
let subnet: string;

function discoveredRecord(mac: string): Record<string, string> | undefined {
  return withHomeStore(home, (store) => store.getObject("node", `discovered-${mac.replace(/:/g, "")}`));
}

/** serve's dnsmasq directory: the one whose configuration names this test's bridge. */
async function proxyDnsmasqDir(): Promise<string> {
  for (const entry of await readdir("/run/sysclone")) {
    const dir = path.join("/run/sysclone", entry);
    const config = await readFile(path.join(dir, "dnsmasq.conf"), "utf8").catch(() => "");
    if (config.includes(`interface=${net.bridge}`)) {
      expect(config).toMatch(/,proxy/);
      return dir;
    }
  }
  throw new Error(`no dnsmasq configuration for ${net.bridge} under /run/sysclone`);
}

/**
 * The site already runs a DHCP server that knows nothing of PXE (a plain dnsmasq in a namespace of
 * its own on the same segment); sysclone serve only adds proxy-DHCP: boot information, no addresses.
 */
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-pxe-"));
  net = await createProvisioningNetwork();
  subnet = net.serverAddress.replace(/\.1$/, "");
  const site = await net.addNode("site-dhcp");
  siteDhcp = spawn("ip", [
    "netns", "exec", site.namespace, "dnsmasq", "--keep-in-foreground", "--port=0", "--interface=eth0", "--bind-interfaces",
    `--dhcp-range=${subnet}.200,${subnet}.220,255.255.255.0,10m`, `--dhcp-leasefile=${path.join(work, "site.leases")}`, "--log-dhcp", `--log-facility=${path.join(work, "site.log")}`,
  ], { stdio: "ignore" });
  server = await startServe(home, net.serverAddress, port, rsyncPort, ["--dhcp-interface", net.bridge, "--proxy-dhcp", `${subnet}.0`, "--retry-seconds", "5"]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  siteDhcp?.kill();
  await net?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("proxy-DHCP beside the site's own DHCP server", () => {
  for (const firmware of ["bios", "uefi"] as const) {
    it(`${firmware === "bios" ? "SeaBIOS" : "OVMF"}: the address comes from the site's server, the boot file from sysclone's proxy, and the machine reaches /boot`, async () => {
      const mac = firmware === "bios" ? "52:54:00:70:00:01" : "52:54:00:70:00:02";
      const vm = await startVm({
        // SeaBIOS PXE-boots through the NIC's own iPXE ROM; OVMF without that ROM uses its own PXE client, which must
        // first get ipxe.efi over TFTP from the proxy's menu: both kinds of client meet the proxy.
        firmware, ...(firmware === "uefi" ? { varsFile: await freshOvmfVars(path.join(work, "proxy.vars")), nicRom: false } : {}),
        disks: [], bridge: net.bridge, mac, consoleFile: path.join(work, `${firmware}.console`), timeoutMs: 400_000,
      });
      try {
        // An unknown machine: /boot records it, which it only can once the whole chain up to HTTP worked.
        const console = await vm.waitFor(/sysclone: this machine is not known to the server/, 300_000);
        expect(discoveredRecord(mac)?.["state"], `console:\n${console.slice(-3000)}\nserver:\n${server.output().slice(-2000)}`).toBe("discovered");
        // iPXE's own DHCP shows the lease: from the site's range, not from sysclone.
        const ipxeAddress = new RegExp(`net0: ${subnet.replace(/\./g, "\\.")}\\.(\\d+)/`).exec(console);
        expect(Number(ipxeAddress?.[1])).toBeGreaterThanOrEqual(200);
        expect(Number(ipxeAddress?.[1])).toBeLessThanOrEqual(220);
        expect(await readFile(path.join(work, "site.leases"), "utf8")).toContain(mac);
        if (firmware === "uefi") expect(console).toMatch(/NBP filename is ipxe\.efi[\s\S]*iPXE initialising devices/);
        // sysclone's own dnsmasq, in proxy mode, leased nothing.
        expect(await readFile(path.join(await proxyDnsmasqDir(), "leases"), "utf8").catch(() => "")).not.toContain(mac);
      } finally {
        await vm.kill();
      }
    }, 420_000);
  }
});

describe("identity with real firmware", () => {
  it("two nodes given the DMI UUID of one machine (whose MAC neither has): the conflict is reported, neither is installed, nothing is recorded as discovered", async () => {
    const mac = "52:54:00:70:00:03";
    const uuid = "4c4c4544-0051-3510-8052-b4c04f4e3232";
    // The SMBIOS UUID as iPXE reads it from the firmware, in dmidecode's spelling (upper case here, as an administrator may paste it).
    await cliOk(home, "mkdef", "-t", "node", "conf-a", `uuid=${uuid.toUpperCase()}`);
    await cliOk(home, "mkdef", "-t", "node", "conf-b", `uuid=${uuid}`);
    const vm = await startVm({ firmware: "bios", uuid, disks: [], bridge: net.bridge, mac: mac, consoleFile: path.join(work, "conflict.console"), timeoutMs: 300_000 });
    try {
      const console = await vm.waitFor(/matches more than one node/, 240_000);
      expect(console, `console:\n${console.slice(-3000)}\nserver:\n${server.output().slice(-2000)}`).toMatch(/sysclone: this machine matches more than one node \(conf-a, conf-b\)/);
    } finally {
      await vm.kill();
    }
    withHomeStore(home, (store) => {
      const events = store.events({ limit: 200 });
      expect(events.find((e) => e.kind === "identity-conflict")?.message).toBe(`a machine (${mac}) matches conf-a, conf-b; not installing`);
      expect(events.filter((e) => e.kind === "token" && (e.node === "conf-a" || e.node === "conf-b"))).toHaveLength(0);
      expect(store.getObject("node", `discovered-${mac.replace(/:/g, "")}`)).toBeUndefined();
    });
  }, 320_000);

  it("two boxes with one DMI UUID (copied SMBIOS data): the first boots as the node and gives it its MAC, the second is told it is a duplicate", async () => {
    const uuid = "4c4c4544-0051-3510-8052-b4c04f4e3299";
    await cliOk(home, "mkdef", "-t", "node", "dup01", `uuid=${uuid}`);
    const boxes = [{ mac: "52:54:00:70:00:05", expect: /sysclone: dup01: booting from the local disk/ }, { mac: "52:54:00:70:00:06", expect: /this machine claims dup01 by its uuid/ }];
    for (const [i, box] of boxes.entries()) {
      const vm = await startVm({ firmware: "bios", uuid, disks: [], bridge: net.bridge, mac: box.mac, consoleFile: path.join(work, `dup${i}.console`), timeoutMs: 300_000 });
      try {
        const console = await vm.waitFor(box.expect, 240_000);
        expect(console, `console:\n${console.slice(-3000)}\nserver:\n${server.output().slice(-2000)}`).toMatch(box.expect);
      } finally {
        await vm.kill();
      }
    }
    withHomeStore(home, (store) => {
      expect(store.requireObject("node", "dup01")["mac"]).toBe("52:54:00:70:00:05");
      expect(store.events({ node: "dup01", limit: 1 })[0]?.message).toMatch(/^a machine \(52:54:00:70:00:06\) claims dup01 by its uuid, but dup01 has MAC 52:54:00:70:00:05: two machines share one identity; not installing/);
    });
  }, 620_000);
});
