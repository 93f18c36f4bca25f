import { SyscloneError } from "../errors/errors.js";

export type PowerState = "on" | "off";

/** `chassis power status`: "Chassis Power is on". Pure. */
export function parsePowerState(output: string): PowerState {
  const match = /^Chassis Power is (on|off)\s*$/m.exec(output);
  if (!match) throw new SyscloneError("BMC_COMMAND_FAILED", `the BMC's power status is not one ipmitool reads: ${quoteLine(lastLine(output))}`, { hint: "check the BMC with ipmitool by hand" });
  return match[1] === "on" ? "on" : "off";
}

/** A boot device as rsetboot names it. */
export type BootDevice = "net" | "hd" | "cd" | "floppy" | "setup" | "diag" | "none";

export interface BootOverride {
  readonly device: BootDevice;
  /** "Options apply to all future boots" rather than the next one only. */
  readonly persistent: boolean;
}

const selectors: readonly [RegExp, BootDevice][] = [
  [/^No override/i, "none"],
  [/^Force PXE/i, "net"],
  [/^Force Boot from default Hard-Drive/i, "hd"],
  [/^Force Boot from CD\/DVD/i, "cd"],
  [/^Force Boot from Floppy/i, "floppy"],
  [/^Force Boot into BIOS Setup/i, "setup"],
  [/^Force Boot from Diagnostic/i, "diag"],
];

/** `chassis bootparam get 5`: the boot device selector and whether it is for every boot. Pure. */
export function parseBootOverride(output: string): BootOverride {
  const selector = /Boot Device Selector\s*:\s*(.+?)\s*$/m.exec(output)?.[1];
  const device = selector === undefined ? undefined : selectors.find(([pattern]) => pattern.test(selector))?.[1];
  if (device === undefined) throw new SyscloneError("BMC_COMMAND_FAILED", `the BMC's boot device is not one ipmitool reads: ${quoteLine(selector ?? lastLine(output))}`, { hint: "check the BMC with ipmitool chassis bootparam get 5" });
  return { device, persistent: /Options apply to all future boots/i.test(output) };
}

/** What rsetboot NODE stat prints: "net", "hd (persistent)". Pure. */
export function describeBootOverride(override: BootOverride): string {
  return `${override.device}${override.persistent ? " (persistent)" : ""}`;
}

/**
 * Why ipmitool failed, from what it printed (with -v): the BMC refused the user or password, the
 * cipher suite, or did not answer; anything else is the command failing, with ipmitool's last line. Pure.
 */
export function ipmiFailure(bmc: string, output: string, command: readonly string[]): SyscloneError {
  if (/RAKP 2 HMAC is invalid|unauthorized name|Invalid user name|password is invalid|RAKP \d message indicates an error/i.test(output)) {
    return new SyscloneError("BMC_AUTH_REFUSED", `BMC ${bmc} refused the user name or password`, { hint: "set the right ones: chdef NODE bmcusername=USER bmcpassword=- (reads the password from stdin)" });
  }
  if (/invalid authentication algorithm|invalid integrity algorithm|invalid confidentiality algorithm|cipher suite/i.test(output)) {
    return new SyscloneError("BMC_AUTH_REFUSED", `BMC ${bmc} does not offer cipher suite the node's bmccipher names`, { hint: "try another suite: chdef NODE bmccipher=17 (or 3)" });
  }
  if (/Get Auth Capabilities error|No response from remote controller|Error issuing Get Channel Authentication Capabilities|Unable to establish IPMI v2/i.test(output)) {
    return new SyscloneError("BMC_UNREACHABLE", `BMC ${bmc} does not answer`, { hint: "check the node's bmc and bmcport, that the BMC is powered and on the network, and that nothing blocks UDP to it" });
  }
  return new SyscloneError("BMC_COMMAND_FAILED", `BMC ${bmc}: ipmitool ${command.join(" ")} failed: ${quoteLine(lastLine(output))}`, { hint: "check the BMC with ipmitool by hand" });
}

function lastLine(output: string): string {
  const lines = output.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !/^Loading IANA PEN Registry/.test(line));
  return lines.at(-1) ?? "(no output)";
}

/** One line of a tool's output inside our message: no control characters, at most 200 characters. */
function quoteLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, " ");
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
