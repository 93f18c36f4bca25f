import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulatedBmc, type SimulatedBmc } from "../../src/demo/bmc.js";
import { createDebianGoldenClient, debianGoldenLayout, debianGoldenTarball } from "../../src/demo/debian-golden.js";
import type { GoldenClient } from "../../src/demo/golden-client.js";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { emptyDisk } from "../../src/demo/vm.js";
import { cliOk, projectRoot, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

// Ports 20100-20199 are this file's and test/integration/bmc-power.test.ts's.
const port = 20110;
const rsyncPort = 20111;
const bmcPort = 20120;
const GiB = 1024 * 1024 * 1024;
const mac = "52:54:00:5d:16:01";
const bmcPassword = "Bmc-16-secret";
let golden: GoldenClient;
let net: ProvisioningNetwork;
let bmc: SimulatedBmc;
let home: string;
let work: string;
let server: ServeProcess;
let subnet: string;

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

async function waitForState(node: string, state: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = withHomeStore(home, (store) => store.getObject("node", node)?.["state"] ?? "");
    if (current === state || current === "failed" || Date.now() > deadline) return current;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function waitForSerial(pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(await bmc.serialLog())) {
    if (Date.now() > deadline) throw new Error(`no ${String(pattern)} on the serial console within ${timeoutMs / 1000} s\n${await explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function explain(): Promise<string> {
  const serial = await bmc.serialLog();
  return `serial (sysclone lines):\n${serial.split("\n").filter((l) => /sysclone|firstboot/i.test(l)).slice(-30).join("\n")}\nserial:\n${serial.slice(-2000)}\nchassis:\n${await bmc.chassisLog()}\nserver:\n${server.output().slice(-3000)}`;
}

/** rcons as a user runs it, its stdin a pipe: resolves with what it printed once `pattern` shows, after typing ~. to leave. */
function readConsole(options: readonly string[], pattern: RegExp, timeoutMs: number, whileOpen: () => Promise<void>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", "rcons.js"), "ipmi01", ...options], { env: { ...process.env, SYSCLONE_HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      child.stdin.write("\n~.");
    };
    const timer = setTimeout(leave, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (pattern.test(output.replace(/\r/g, ""))) leave();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.replace(/\r/g, "") });
    });
    setTimeout(() => void whileOpen().catch(reject), 2000);
  });
}

beforeAll(async () => {
  const tarball = await debianGoldenTarball();
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  work = await mkdtemp(path.join(tmpdir(), "sysclone-ipmi-"));
  golden = await createDebianGoldenClient(tarball, (await cli("sysclone", "keys")).trim());
  net = await createProvisioningNetwork();
  subnet = net.serverAddress.replace(/\.1$/, "");
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await writeFile(path.join(work, "deb12bios.xml"), debianGoldenLayout("bios"));
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", "deb12bios", "--root", golden.root, "--layout", path.join(work, "deb12bios.xml"));
  await cli("chdef", "-t", "osimage", "deb12bios", "postscripts=efibootloader,update_network");
  await cli("sysclone", "initrd", "build", "deb12bios");
  server = await startServe(home, net.serverAddress, port, rsyncPort, [
    "--dhcp-interface", net.bridge, "--dhcp-range", `${subnet}.100,${subnet}.150,255.255.255.0`, "--retry-seconds", "5",
  ]);
  const disk = await emptyDisk(path.join(work, "ipmi01.img"), 2 * GiB);
  bmc = await startSimulatedBmc({
    dir: path.join(work, "bmc"), port: bmcPort, username: "admin", password: bmcPassword, lifetimeSeconds: 900,
    machine: { disk, bridge: net.bridge, mac, serialPort: 20121, monitorPort: 20122, vmPort: 20123 },
  });
  const defined = await runCli(home, "mkdef", ["-t", "node", "ipmi01", `mac=${mac}`, `ip=${subnet}.71`, "hostname=ipmi01.cluster", "nicmode=dhcp", "mgt=ipmi", "bmc=127.0.0.1", `bmcport=${bmcPort}`, "bmcusername=admin", "bmcpassword=-"], { input: `${bmcPassword}\n` });
  expect(defined.code, defined.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  await bmc?.stop();
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

describe("a bare VM behind ipmi_sim is reinstalled, booted and watched through its BMC only", () => {
  it("rinstall: powered off and bare, the VM PXE-boots once, clones and boots its own disk; serve recorded its console while it installed", async () => {
    expect(await cli("rpower", "ipmi01", "stat")).toBe("ipmi01: off\n1 node: 1 ok\n");
    const started = Date.now();
    const out = await cli("rinstall", "ipmi01", "osimage=deb12bios");
    expect(out).toBe("ipmi01: install deb12bios: net boot, off on\n1 node: 1 ok\n");
    const state = await waitForState("ipmi01", "installed", 240_000);
    expect(state, await explain()).toBe("installed");
    console.log(`rinstall: cloned ${((Date.now() - started) / 1000).toFixed(0)} s after the command`);
    // The clone reboots by itself; the one-time network boot is spent, so the firmware boots the disk.
    await waitForSerial(/ipmi01 login:/, 180_000);
    console.log(`rinstall: login prompt from its own disk ${((Date.now() - started) / 1000).toFixed(0)} s after the command`);
    // One power-on with a one-time network boot; the clone's reboot went to the disk without the BMC.
    const chassis = await bmc.chassisLog();
    expect(chassis).toMatch(/boot device pxe\n.*power on, boot pxe \(-boot once=n,order=c\)\n/);
    expect(chassis.match(/power on/g)).toHaveLength(1);
    expect(await cli("rpower", "ipmi01", "stat")).toContain("ipmi01: on\n");
    const recorded = await readFile(path.join(home, "var", "logs", "ipmi01", "console.log"), "utf8");
    expect(recorded).toContain("sysclone:");
    withHomeStore(home, (store) => {
      expect(store.events({ node: "ipmi01", kind: "rinstall" }).map((e) => e.message)).toEqual(["rinstall: install deb12bios: net boot, off on"]);
      expect(store.events({ node: "ipmi01", kind: "token" })).toHaveLength(1);
    });
  }, 600_000);

  it("rsetboot hd -p, then rcons shows the node booting its disk again after rpower reset, and ~. leaves; the clone reports booted", async () => {
    expect(await cli("rsetboot", "ipmi01", "hd", "-p")).toBe("ipmi01: hd (persistent)\n1 node: 1 ok\n");
    expect(await cli("rsetboot", "ipmi01", "stat")).toContain("ipmi01: hd\n");
    const logins = (await bmc.serialLog()).match(/ipmi01 login:/g)?.length ?? 0;
    const seen = await readConsole([], /ipmi01 login:/, 240_000, async () => {
      expect(await cli("rpower", "ipmi01", "reset")).toBe("ipmi01: reset\n1 node: 1 ok\n");
    });
    expect(seen.output, await explain()).toMatch(/ipmi01 login:/);
    expect(seen.output).toContain("[terminated ipmitool]");
    expect(seen.code).toBe(0);
    expect(await bmc.chassisLog()).toMatch(/reset, boot default \(boot_set c\)\n/);
    expect((await bmc.serialLog()).match(/ipmi01 login:/g)?.length ?? 0).toBeGreaterThan(logins);
    // No PXE request after the install: the disk booted on the BMC's word; the clone's first boot reported in.
    withHomeStore(home, (store) => expect(store.events({ node: "ipmi01", kind: "token" })).toHaveLength(1));
    const started = Date.now();
    expect(await waitForState("ipmi01", "booted", 120_000), await explain()).toBe("booted");
    console.log(`booted reported ${((Date.now() - started) / 1000).toFixed(0)} s after the second login prompt`);
  }, 400_000);
});
