import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { startSimulatedBmc, type SimulatedBmc } from "./bmc.js";

/** One of the demo's bare VMs, behind its own simulated BMC: powered by rpower/rinstall, never by the demo. */
export interface BmcMachine {
  readonly name: string;
  readonly bmc: SimulatedBmc;
  /** Whether the BMC has the machine on but its qemu is gone (crashed or killed): the demo stops waiting for it. */
  ended(): boolean;
  /** Everything the VM wrote to its serial port (what the BMC's Serial-over-LAN carries). */
  console(): Promise<string>;
  /** Waits until the console matches or the time is up; returns the console. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
}

export interface BmcMachineSpec {
  readonly name: string;
  readonly mac: string;
  readonly disk: string;
  /** UDP port of the BMC; the three TCP ports after it are the VM's serial, monitor and ipmi_sim's VM interface. */
  readonly port: number;
}

function qemuGone(dir: string): boolean {
  const read = (file: string): string => {
    try {
      return readFileSync(path.join(dir, file), "utf8").trim();
    } catch {
      return "";
    }
  };
  if (read("power") !== "on" || existsSync(path.join(dir, "starting"))) return false;
  const pid = Number(read("qemu.pid"));
  if (!(pid > 0)) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** ipmi_sim for each machine (scripts/bmc-chassis.sh starts its qemu on power-on); all stopped again if one fails to start. */
export async function startBmcMachines(specs: readonly BmcMachineSpec[], options: { dir: string; bridge: string; username: string; password: string; lifetimeSeconds: number }): Promise<BmcMachine[]> {
  const machines: BmcMachine[] = [];
  try {
    for (const spec of specs) {
      const dir = path.join(options.dir, `bmc-${spec.name}`);
      // A fresh chassis: no power state, pid or serial log of an earlier run.
      await rm(dir, { recursive: true, force: true });
      const bmc = await startSimulatedBmc({
        dir, port: spec.port, username: options.username, password: options.password, lifetimeSeconds: options.lifetimeSeconds,
        machine: { disk: spec.disk, bridge: options.bridge, mac: spec.mac, serialPort: spec.port + 1, monitorPort: spec.port + 2, vmPort: spec.port + 3 },
      });
      machines.push({
        name: spec.name,
        bmc,
        ended: () => qemuGone(dir),
        console: () => bmc.serialLog(),
        async waitFor(pattern, timeoutMs) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const text = await bmc.serialLog();
            if (pattern.test(text) || qemuGone(dir) || Date.now() > deadline) return text;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        },
      });
    }
    return machines;
  } catch (error) {
    await Promise.all(machines.map((m) => m.bmc.stop()));
    throw error;
  }
}
