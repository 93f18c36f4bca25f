import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { checkoutRoot } from "../config/paths.js";
import { must } from "../exec/must.js";
import { run } from "../exec/runner.js";
import { ipmitoolArgs } from "../power/ipmitool.js";

/** The machine a simulated BMC controls: a qemu VM started by the chassis on power-on, never by the test. */
export interface BmcMachine {
  readonly disk: string;
  readonly bridge: string;
  readonly mac: string;
  /** Loopback ports: the VM's serial (telnet; ipmi_sim's SOL reads it), its monitor (soft off), ipmi_sim's VM interface. */
  readonly serialPort: number;
  readonly monitorPort: number;
  readonly vmPort: number;
  readonly memoryMiB?: number;
}

export interface SimulatedBmcOptions {
  /** Its working directory: lan.conf, the emulator commands, the chassis state, the VM's serial log. */
  readonly dir: string;
  /** UDP port of its IPMI LAN interface on 127.0.0.1. */
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly machine?: BmcMachine;
  /** ipmi_sim and the VM are ended after this long whatever happens (default 15 minutes). */
  readonly lifetimeSeconds?: number;
}

export interface SimulatedBmc {
  readonly host: string;
  readonly port: number;
  /** Everything the VM wrote to its serial port, across power cycles. */
  serialLog(): Promise<string>;
  /** What the chassis did: power on (with the boot device), off, reset, boot device set. */
  chassisLog(): Promise<string>;
  stop(): Promise<void>;
}

/** ipmi_sim's lan.conf: one LAN channel on loopback, one admin user, the chassis script, SOL to the VM's serial. Pure. */
export function lanConf(options: SimulatedBmcOptions, chassisScript: string): string {
  const { machine } = options;
  return [
    `name "bmc${options.port}"`,
    "set_working_mc 0x20",
    "  startlan 1",
    `    addr 127.0.0.1 ${options.port}`,
    "    priv_limit admin",
    "    allowed_auths_callback none md2 md5 straight",
    "    allowed_auths_user none md2 md5 straight",
    "    allowed_auths_operator none md2 md5 straight",
    "    allowed_auths_admin none md2 md5 straight",
    "    guid a123456789abcdefa123456789abcdef",
    "  endlan",
    `  chassis_control "${chassisScript} ${options.dir}"`,
    ...(machine ? [`  serial 15 127.0.0.1 ${machine.vmPort} codec VM`, `  sol "telnet:127.0.0.1:${machine.serialPort}" 115200`] : []),
    `  user 2 true "${options.username}" "${options.password}" admin 10 none md2 md5 straight`,
    "",
  ].join("\n");
}

/** The VM's qemu arguments, one a line for the chassis script; it adds -boot from the boot device. Pure. */
export function machineArgs(machine: BmcMachine, dir: string, tap: string): string[] {
  return [
    "-accel", "tcg", "-m", String(machine.memoryMiB ?? 1024), "-smp", "1", "-display", "none",
    "-chardev", `socket,id=ser0,host=127.0.0.1,port=${machine.serialPort},server=on,wait=off,telnet=on,logfile=${path.join(dir, "serial.log")},logappend=on`,
    "-serial", "chardev:ser0",
    "-monitor", `tcp:127.0.0.1:${machine.monitorPort},server=on,wait=off`,
    "-chardev", `socket,id=ipmi0,host=127.0.0.1,port=${machine.vmPort},reconnect=2`,
    "-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmi0",
    "-device", "isa-ipmi-kcs,bmc=bmc0",
    "-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    "-device", `virtio-net-pci,netdev=n0,mac=${machine.mac}`,
    "-drive", `file=${machine.disk},if=virtio,format=raw`,
  ];
}

/**
 * A real BMC for tests and the demo: OpenIPMI's ipmi_sim speaking IPMI 2.0 on a loopback port. Its
 * chassis (scripts/bmc-chassis.sh) starts the machine's qemu on power-on with the boot device set
 * through IPMI, stops it on power-off, and ipmi_sim's Serial-over-LAN reads the VM's serial port.
 */
export async function startSimulatedBmc(options: SimulatedBmcOptions): Promise<SimulatedBmc> {
  const { dir, machine } = options;
  await mkdir(path.join(dir, "state"), { recursive: true });
  const chassisScript = path.join(checkoutRoot(), "scripts", "bmc-chassis.sh");
  await writeFile(path.join(dir, "lan.conf"), lanConf(options, chassisScript), { mode: 0o600 });
  // ipmi_sim crashes unless the BMC is set before it is added; the LAN channel opens once the MC is enabled.
  await writeFile(path.join(dir, "bmc.emu"), "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n");
  const tap = machine ? `scb${randomBytes(3).toString("hex")}` : undefined;
  if (machine && tap) {
    await must("ip", ["tuntap", "add", "dev", tap, "mode", "tap"]);
    await must("ip", ["link", "set", tap, "master", machine.bridge, "up"]);
    await writeFile(path.join(dir, "qemu-args"), `${machineArgs(machine, dir, tap).join("\n")}\n`);
    await writeFile(path.join(dir, "monitor-port"), `${machine.monitorPort}\n`);
  }
  const child = spawn("timeout", [String(options.lifetimeSeconds ?? 900), "ipmi_sim", "-c", path.join(dir, "lan.conf"), "-f", path.join(dir, "bmc.emu"), "-n", "-p", "-s", path.join(dir, "state")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stopMachine = async (): Promise<void> => {
    const pid = Number((await readFile(path.join(dir, "qemu.pid"), "utf8").catch(() => "")).trim());
    if (pid > 0) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (tap) await run("ip", ["link", "del", tap]);
  };
  const bmc: SimulatedBmc = {
    host: "127.0.0.1",
    port: options.port,
    serialLog: async () => (await readFile(path.join(dir, "serial.log"), "utf8").catch(() => "")).replace(/\r/g, ""),
    chassisLog: () => readFile(path.join(dir, "chassis.log"), "utf8").catch(() => ""),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
      await stopMachine();
    },
  };
  // Ready when it answers a power status as its user.
  const args = ipmitoolArgs({ host: bmc.host, port: options.port, username: options.username, cipher: 3 }, ["chassis", "power", "status"]);
  for (let attempt = 0; ; attempt++) {
    const probe = await run("ipmitool", args, { env: { IPMI_PASSWORD: options.password }, timeoutMs: 10_000 });
    if (probe.exitCode === 0) return bmc;
    if (attempt >= 20 || child.exitCode !== null) {
      await bmc.stop();
      throw new Error(`ipmi_sim on port ${options.port} did not answer: ${output}${probe.stderrTail}`);
    }
    await sleep(250);
  }
}
