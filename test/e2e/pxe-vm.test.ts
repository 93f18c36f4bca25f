import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDebianGoldenClient, debianGoldenLayout, debianGoldenTarball } from "../../src/demo/debian-golden.js";
import type { GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { resolveHome } from "../../src/config/paths.js";
import { must } from "../../src/exec/must.js";
import { run } from "../../src/exec/runner.js";
import { connectSsh } from "../../src/exec/ssh.js";
import type { Store } from "../../src/store/store.js";
import { cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";
import { emptyDisk, freshOvmfVars, startVm, type RunningVm, type VmRun } from "../../src/demo/vm.js";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const port = 18280;
const rsyncPort = 19073;
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let work: string;
let server: ServeProcess;
let subnet: string;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

const withStore = <T>(use: (store: Store) => T): T => withHomeStore(home, use);

/** Polls a node's state until it is `state` (or failed), the VM ends, or the time is up. */
// Two virtual CPUs (multi-threaded TCG): the clone's hashing and the copy run side by side, as on any real node.
// With the agent's fewer processes, this file took 939 s where it took 1,112 s with one.
const vmCpus = 2;

async function waitForState(node: string, state: string, vm: RunningVm, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = withStore((store) => store.getObject("node", node)?.["state"] ?? "");
    if (current === state || current === "failed" || vm.ended() || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * rinstall --kexec (issue 16), on the running bios01: version 2 of deb12bios (one visible change) is captured,
 * the node kexecs over SSH into the clone initrd with a fresh token, clones v2, reboots (PXE sends it on to its
 * disk) and reports booted on v2; its new host key, pinned by that report, lets us read the change over SSH.
 */
async function reinstallsItselfByKexec(vm: RunningVm): Promise<void> {
  await writeFile(path.join(golden.root, "etc", "sysclone-release"), "deb12bios v2\n");
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", "deb12bios", "--root", golden.root, "--layout", path.join(work, "deb12bios.xml"));
  const consoleBefore = (await vm.console()).length;
  const hostKeyBefore = withStore((store) => store.getObject("node", "bios01")?.["hostkey"]);
  const tokensBefore = withStore((store) => store.events({ node: "bios01", kind: "token" }).length);
  const started = Date.now();
  const rinstall = await runCli(home, "rinstall", ["bios01", "osimage=deb12bios", "--kexec"]);
  expect(rinstall.code, rinstall.stderr + rinstall.stdout).toBe(0);
  expect(rinstall.stdout).toContain("bios01: kexec into the clone initrd");
  expect(rinstall.stdout).toMatch(/rinstall --kexec: 1 node\(s\) in [\d.]+ s: 1 ok/);
  const state = await waitForState("bios01", "booted", vm, 900_000);
  const seen = (await vm.console()).slice(consoleBefore);
  expect(state, `${seen.slice(-4000)}\nserver:\n${server.output().slice(-3000)}`).toBe("booted");
  console.log(`rinstall --kexec: booted on v2 ${((Date.now() - started) / 1000).toFixed(0)} s after the command`);
  // The old kernel handed over to the clone kernel directly: no firmware, no PXE before the clone.
  expect(seen).toContain("kexec_core: Starting new kernel");
  expect(seen.indexOf("sysclone: clone initrd starting")).toBeGreaterThan(seen.indexOf("kexec_core: Starting new kernel"));
  const node = withStore((store) => store.getObject("node", "bios01"));
  expect(node?.["imageversion"]).toBe("2");
  expect(node?.["hostkey"]).not.toBe(hostKeyBefore);
  expect(withStore((store) => store.events({ node: "bios01", kind: "token" }).length)).toBe(tokensBefore + 1);
  expect(withStore((store) => store.events({ node: "bios01", kind: "reinstall" })).map((e) => e.message)).toEqual([expect.stringContaining("kexec into the clone initrd of deb12bios")]);
  const session = await connectSsh({
    node: "bios01", host: `${subnet}.61`, port: 22, user: "root", privateKey: await readFile(resolveHome({ SYSCLONE_HOME: home }).privateKey), pinnedHostKey: node?.["hostkey"],
  });
  try {
    const release = await session.exec("cat /etc/sysclone-release");
    expect(release.stdout.toString()).toBe("deb12bios v2\n");
  } finally {
    session.close();
  }
}

/**
 * rinstall --kexec's fallback, chosen with --via grub on media01 (booted from its disk, no PXE): a one-time grub
 * entry and a reboot start the clone initrd, which reaches the server with its token (the node is installing);
 * the rest of that clone is what the kexec step has shown, so the VM is stopped there.
 */
async function reinstallsThroughGrub(vm: RunningVm): Promise<void> {
  const consoleBefore = (await vm.console()).length;
  const started = Date.now();
  const rinstall = await runCli(home, "rinstall", ["media01", "osimage=deb12bios", "--kexec", "--via", "grub"]);
  expect(rinstall.code, rinstall.stderr + rinstall.stdout).toBe(0);
  expect(rinstall.stdout).toContain("media01: one-time grub entry set; rebooting into the clone initrd");
  const state = await waitForState("media01", "installing", vm, 400_000);
  const seen = (await vm.console()).slice(consoleBefore);
  expect(state, `${seen.slice(-4000)}\nserver:\n${server.output().slice(-3000)}`).toBe("installing");
  console.log(`rinstall --kexec --via grub: installing ${((Date.now() - started) / 1000).toFixed(0)} s after the command`);
  expect(seen).toContain("Booting `sysclone-reinstall'");
  expect(seen).not.toContain("kexec_core: Starting new kernel");
  expect(seen).toContain("sysclone: clone initrd starting");
  expect(withStore((store) => store.events({ node: "media01", kind: "reinstall" })).map((e) => e.message)).toEqual([expect.stringContaining("grub-reboot sysclone-reinstall, reboot into the clone initrd of deb12bios")]);
}

async function explain(vm: RunningVm): Promise<string> {
  return `console:\n${(await vm.console()).slice(-4000)}\nserver:\n${server.output().slice(-3000)}`;
}

beforeAll(async () => {
  const tarball = await debianGoldenTarball();
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-pxe-"));
  golden = await createDebianGoldenClient(tarball, (await cli("sysclone", "keys")).trim());
  net = await createProvisioningNetwork();
  subnet = net.serverAddress.replace(/\.1$/, "");
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  for (const [image, firmware] of [["deb12bios", "bios"], ["deb12uefi", "uefi"]] as const) {
    await writeFile(path.join(work, `${image}.xml`), debianGoldenLayout(firmware));
    await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root, "--layout", path.join(work, `${image}.xml`));
    await cli("chdef", "-t", "osimage", image, "postscripts=efibootloader,update_network");
    await cli("sysclone", "initrd", "build", image);
  }
  server = await startServe(home, net.serverAddress, port, rsyncPort, [
    "--dhcp-interface", net.bridge, "--dhcp-range", `${subnet}.100,${subnet}.150,255.255.255.0`, "--retry-seconds", "5",
  ]);
}, 1_500_000);

afterAll(async () => {
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("bare VMs PXE-boot, clone themselves and come up from their own disks", () => {
  it("SeaBIOS + MBR: PXE clone, reboot, PXE says local disk, boots its own grub and Debian, reports booted; then its live / is captured over SSH, and rinstall --kexec reinstalls it with v2", async () => {
    const mac = "52:54:00:5d:00:01";
    await cli("mkdef", "-t", "node", "bios01", `mac=${mac}`, `ip=${subnet}.61`, "hostname=bios01.cluster", "nicmode=dhcp", "osimage=deb12bios");
    await cli("nodeset", "bios01", "osimage=deb12bios");
    const disk = await emptyDisk(path.join(work, "bios01.img"), 2 * GiB);
    const vm = await startVm({ cpus: vmCpus, firmware: "bios", disks: [disk], bridge: net.bridge, mac, consoleFile: path.join(work, "bios01.console"), timeoutMs: 1_500_000, allowReboot: true });
    try {
      const state = await waitForState("bios01", "booted", vm, 1_400_000);
      expect(state, await explain(vm)).toBe("booted");
      const console = await vm.waitFor(/bios01 login:/, 120_000);
      expect(console).toContain("sysclone: rebooting");
      expect(console).toMatch(/bios01 login:/);

      const events = withStore((store) => store.events({ node: "bios01" })).reverse();
      const kinds = events.map((e) => e.kind);
      // One install, then the reboot's PXE request was sent to the local disk: a PXE-first machine is never reinstalled.
      expect(kinds.filter((k) => k === "token")).toHaveLength(1);
      const finish = kinds.indexOf("finish");
      expect(finish).toBeGreaterThan(-1);
      expect(events.slice(finish).map((e) => e.message)).toContain("PXE boot: local disk (installed)");
      const booted = events.find((e) => e.kind === "booted");
      expect(booted?.message).toMatch(new RegExp(`booted from its own disk as bios01 \\(${subnet}\\.61\\)`));
      expect((await cli("nodestat", "bios01"))).toMatch(/^bios01: booted at \d{4}-/);

      // The running clone is now a golden client: capture its live / over SSH (no --root).
      const captured = await runCli(home, "imgcapture", ["bios01", "-t", "sysclone", "-o", "live01"]);
      expect(captured.code, captured.stderr + captured.stdout).toBe(0);
      const layout = await readFile(path.join(home, "images", "live01", "current", "layout.xml"), "utf8");
      expect(layout).toMatch(/<disk dev="\/dev\/vda" label_type="msdos"/);
      expect(layout).toMatch(/mp="\/" fs="ext4"/);
      const liveRoot = path.join(home, "images", "live01", "current", "root");
      expect(await readFile(path.join(liveRoot, "etc", "hostname"), "utf8")).toBe("bios01\n");
      expect(await readFile(path.join(liveRoot, "etc", "fstab"), "utf8")).toMatch(/^UUID=[0-9a-f-]{36}\t\/\text4/m);

      await reinstallsItselfByKexec(vm);
    } finally {
      await vm.kill();
    }
  }, 1_600_000);

  it("OVMF + GPT: an unknown machine is discovered, becomes a defined node by a MAC swap, PXE-clones, and, still network-first, is sent on to its own disk", async () => {
    const mac = "52:54:00:5d:00:02";
    // uefi01's old board (another MAC) died; the replacement is powered on before anyone tells sysclone.
    await cli("mkdef", "-t", "node", "uefi01", "mac=52:54:00:5d:00:99", `ip=${subnet}.62`, "hostname=uefi01.cluster", "nicmode=dhcp", "osimage=deb12uefi", "finalaction=poweroff");
    await cli("nodeset", "uefi01", "osimage=deb12uefi");
    const disk = await emptyDisk(path.join(work, "uefi01.img"), 2 * GiB);
    const vars = await freshOvmfVars(path.join(work, "uefi01.vars"));
    const options = { cpus: vmCpus, firmware: "uefi" as const, varsFile: vars, disks: [disk], bridge: net.bridge, mac, timeoutMs: 1_500_000 };
    const discovered = "discovered-5254005d0002";
    const pxe = await startVm({ ...options, consoleFile: path.join(work, "uefi01.console") });
    let run: VmRun;
    try {
      expect(await waitForState(discovered, "discovered", pxe, 300_000), await explain(pxe)).toBe("discovered");
      expect(withStore((store) => store.getObject("node", "uefi01")?.["state"])).toBe("ready");
      await cli("chdef", "uefi01", `mac=${mac}`);
      run = await pxe.done;
      expect(run.timedOut, await explain(pxe)).toBe(false);
      expect(run.console).toContain("efibootloader: done (uefi");
      expect(run.console).toContain("sysclone: powering off");
    } finally {
      await pxe.kill();
    }
    expect(withStore((store) => store.getObject("node", "uefi01")?.["state"])).toBe("installed");
    expect(withStore((store) => store.getObject("node", discovered))).toBeUndefined();
    const events = withStore((store) => store.events({ node: "uefi01" }));
    expect(events.map((e) => e.message)).toContain(`discovered record ${discovered} is now uefi01`);

    // Power on again, still network first (as a PXE-managed rack is): /boot sends the installed node to its disk,
    // iPXE exits, and OVMF goes on to the entry efibootloader added after the network ones: Debian comes up as uefi01.
    const again = await startVm({ ...options, allowReboot: true, consoleFile: path.join(work, "uefi01-again.console") });
    try {
      const state = await waitForState("uefi01", "booted", again, 900_000);
      expect(state, await explain(again)).toBe("booted");
      expect(await again.waitFor(/uefi01 login:/, 120_000)).toMatch(/uefi01 login:/);
    } finally {
      await again.kill();
    }
    expect(run.console).toMatch(/efibootloader: UEFI entry Boot[0-9A-F]{4} \(debian, \/EFI\/debian\/grubx64\.efi\) after BootOrder [0-9A-F]{4}/);
    const after = withStore((store) => store.events({ node: "uefi01" })).reverse();
    const finish = after.findIndex((e) => e.kind === "finish");
    expect(after.slice(finish).map((e) => e.message)).toContain("PXE boot: local disk (installed)");
    expect(after.filter((e) => e.kind === "token")).toHaveLength(1);
  }, 1_600_000);

  it("boot media: a machine on a network with no DHCP or PXE of ours boots the ISO from its CD-ROM drive, is known by its DMI UUID, clones with a static address, and boots its own disk; under OVMF an unknown machine is told how to become the media's node", async () => {
    // A routed site: its own bridge, no dnsmasq, the server reached through the gateway (this host).
    const site = `10.234.${subnet.split(".")[2] ?? "1"}`;
    const bridge = `scmd${randomBytes(3).toString("hex")}`;
    await must("ip", ["link", "add", bridge, "type", "bridge"]);
    try {
      await must("ip", ["addr", "add", `${site}.1/24`, "brd", "+", "dev", bridge]);
      await must("ip", ["link", "set", bridge, "up"]);
      const uuid = "5c0e0de1-0000-4000-8000-00000000a001";
      const mac = "52:54:00:5d:00:03";
      await cli("mkdef", "-t", "node", "media01", `uuid=${uuid}`, `ip=${site}.50`, "netmask=255.255.255.0", `gateway=${site}.1`, "nicmode=static", "hostname=media01.cluster", "osimage=deb12bios");
      await cli("nodeset", "media01", "osimage=deb12bios");
      const iso = path.join(work, "media01.iso");
      const built = await cli("sysclone", "media", "build", "deb12bios", "-o", iso, "--node", "media01", "--ip", `${site}.50/24`, "--gw", `${site}.1`);
      expect(built).toContain("BIOS and UEFI");
      const disk = await emptyDisk(path.join(work, "media01.img"), 2 * GiB);
      const started = Date.now();
      // No option ROM on the NIC: nothing boots from the network. The clone's reboot ends this VM (the media is then removed).
      const options = { cpus: vmCpus, firmware: "bios" as const, disks: [disk], bridge, mac, uuid, nicRom: false, bootFrom: "disk" as const };
      const fromCd = await startVm({ ...options, cdrom: iso, consoleFile: path.join(work, "media01-cd.console"), timeoutMs: 600_000 });
      const cd = await fromCd.done;
      expect(cd.timedOut, `${cd.console.slice(-4000)}\nserver:\n${server.output().slice(-3000)}`).toBe(false);
      expect(cd.console).toContain("sysclone: clone initrd starting");
      expect(cd.console).not.toContain("iPXE");
      expect(cd.console).toContain("sysclone: the server knows this machine as media01");
      expect(cd.console).toContain("sysclone: rebooting");
      const node = withStore((store) => store.getObject("node", "media01"));
      expect(node?.["state"]).toBe("installed");
      // Identified by its UUID, the node learned the MAC of the box that booted as it.
      expect(node?.["mac"]).toBe(mac);
      const fromDisk = await startVm({ ...options, allowReboot: true, consoleFile: path.join(work, "media01-disk.console"), timeoutMs: 600_000 });
      try {
        const state = await waitForState("media01", "booted", fromDisk, 500_000);
        expect(state, await explain(fromDisk)).toBe("booted");
        console.log(`boot media: cloned and booted ${((Date.now() - started) / 1000).toFixed(0)} s after power-on`);
        await reinstallsThroughGrub(fromDisk);
      } finally {
        await fromDisk.kill();
      }
      const booted = withStore((store) => store.events({ node: "media01", kind: "booted" }))[0];
      expect(booted?.message).toMatch(new RegExp(`booted from its own disk as media01 \\(${site.replace(/\./g, "\\.")}\\.50\\)`));

      // The same ISO under UEFI on a box the server does not know: it is discovered, and told how to become media01.
      const stranger = "52:54:00:5d:00:04";
      const uefi = await startVm({
        cpus: vmCpus,
        firmware: "uefi", varsFile: await freshOvmfVars(path.join(work, "stranger.vars")), cdrom: iso, disks: [await emptyDisk(path.join(work, "stranger.img"), 64 * MiB)],
        bridge, mac: stranger, nicRom: false, bootFrom: "disk", consoleFile: path.join(work, "stranger.console"), timeoutMs: 300_000,
      });
      try {
        const seen = await uefi.waitFor(/to make this machine media01: chdef media01 mac=52:54:00:5d:00:04/, 240_000);
        expect(seen, seen.slice(-3000)).toContain(`to make this machine media01: chdef media01 mac=${stranger}`);
        expect(seen).toContain("sysclone: loading the clone kernel and initrd");
      } finally {
        await uefi.kill();
      }
      expect(withStore((store) => store.getObject("node", "discovered-5254005d0004")?.["state"])).toBe("discovered");
    } finally {
      await run("ip", ["link", "del", bridge]);
    }
  }, 1_200_000);
});
