import { SyscloneError } from "../errors/errors.js";
import { quoteInput } from "../objects/quote.js";
import type { IpmiCommand } from "./ipmitool.js";
import { describeBootOverride, parseBootOverride, parsePowerState, type PowerState } from "./parse.js";

export const powerActions = ["on", "off", "reset", "cycle", "boot", "softoff", "stat"] as const;
export type PowerAction = (typeof powerActions)[number];

export function parsePowerAction(text: string | undefined): PowerAction {
  const action = text === "state" || text === "status" ? "stat" : text;
  if (action !== undefined && (powerActions as readonly string[]).includes(action)) return action as PowerAction;
  throw new SyscloneError("USAGE", `rpower: ${quoteInput(text ?? "")} is not an action`, { hint: `use one of ${powerActions.join(", ")}` });
}

/** What one power action did on one node: the state before (when read) and what rpower prints. */
export interface PowerOutcome {
  readonly before?: PowerState;
  /** xCAT's words: "on", "off", "reset", "on reset" (boot of a running node), "off on" (boot of one that was off). */
  readonly result: string;
}

const control: Record<"on" | "off" | "reset" | "cycle" | "softoff", string> = { on: "on", off: "off", reset: "reset", cycle: "cycle", softoff: "soft" };

/**
 * One power action through a BMC. boot: on when off, reset when on (the node starts again either
 * way); cycle of a node that is off powers it on, as BMCs refuse a cycle then.
 */
export async function powerNode(ipmi: IpmiCommand, action: PowerAction): Promise<PowerOutcome> {
  const status = async (): Promise<PowerState> => parsePowerState(await ipmi(["chassis", "power", "status"]));
  if (action === "stat") return { result: await status() };
  if (action === "boot" || action === "cycle") {
    const before = await status();
    if (before === "off") {
      await ipmi(["chassis", "power", "on"]);
      return { before, result: "off on" };
    }
    await ipmi(["chassis", "power", action === "boot" ? "reset" : "cycle"]);
    return { before, result: action === "boot" ? "on reset" : "on cycle" };
  }
  const before = await status();
  await ipmi(["chassis", "power", control[action]]);
  return { before, result: action };
}

export const bootDevices = ["net", "hd", "cd", "setup", "stat"] as const;
export type BootDeviceAction = (typeof bootDevices)[number];

export function parseBootDeviceAction(text: string | undefined): BootDeviceAction {
  const aliases: Record<string, BootDeviceAction> = { pxe: "net", network: "net", disk: "hd", cdrom: "cd", default: "hd" };
  const device = text === undefined ? undefined : aliases[text] ?? text;
  if (device !== undefined && (bootDevices as readonly string[]).includes(device)) return device as BootDeviceAction;
  throw new SyscloneError("USAGE", `rsetboot: ${quoteInput(text ?? "")} is not a boot device`, { hint: `use one of ${bootDevices.join(", ")}` });
}

/** ipmitool's chassis bootdev names. */
const ipmiDevice: Record<Exclude<BootDeviceAction, "stat">, string> = { net: "pxe", hd: "disk", cd: "cdrom", setup: "bios" };

/** Sets the device the node boots next (every boot with persistent), or reads it (stat). */
export async function bootDeviceNode(ipmi: IpmiCommand, device: BootDeviceAction, persistent: boolean): Promise<string> {
  if (device === "stat") return describeBootOverride(parseBootOverride(await ipmi(["chassis", "bootparam", "get", "5"])));
  await ipmi(["chassis", "bootdev", ipmiDevice[device], ...(persistent ? ["options=persistent"] : [])]);
  return describeBootOverride({ device, persistent });
}
