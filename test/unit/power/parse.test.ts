import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { describeBootOverride, ipmiFailure, parseBootOverride, parsePowerState } from "../../../src/power/parse.js";

const bootparam = (selector: string, persistent: boolean): string => `Boot parameter version: 1
Boot parameter 5 is valid/unlocked
Boot parameter data: 0004000000
 Boot Flags :
   - Boot Flag Invalid
   - ${persistent ? "Options apply to all future boots" : "Options apply to only next boot"}
   - BIOS PC Compatible (legacy) boot 
   - Boot Device Selector : ${selector}
   - BIOS verbosity : System Default
`;

describe("ipmitool output", () => {
  it.each([
    ["Chassis Power is on\n", "on"],
    ["Chassis Power is off\n", "off"],
    ["Loading IANA PEN Registry...\nChassis Power is on\n", "on"],
  ] as const)("power status %j is %s", (output, state) => {
    expect(parsePowerState(output)).toBe(state);
  });

  it("an unreadable power status is BMC_COMMAND_FAILED with ipmitool's last line", () => {
    expect(() => parsePowerState("Chassis Power is humming\n")).toThrow(/not one ipmitool reads: Chassis Power is humming/);
  });

  it.each([
    ["Force PXE", false, "net"],
    ["Force Boot from default Hard-Drive", true, "hd (persistent)"],
    ["Force Boot from default Hard-Drive, request Safe-Mode", false, "hd"],
    ["Force Boot from CD/DVD", false, "cd"],
    ["Force Boot into BIOS Setup", false, "setup"],
    ["No override", false, "none"],
  ] as const)("boot device selector %j (persistent %s) reads as %j", (selector, persistent, shown) => {
    expect(describeBootOverride(parseBootOverride(bootparam(selector, persistent)))).toBe(shown);
  });

  it.each([
    ["> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n", "BMC_AUTH_REFUSED", "BMC 10.0.0.9:623 refused the user name or password"],
    ["RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n", "BMC_AUTH_REFUSED", "BMC 10.0.0.9:623 refused the user name or password"],
    ["Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n", "BMC_AUTH_REFUSED", "BMC 10.0.0.9:623 does not offer cipher suite the node's bmccipher names"],
    ["Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n", "BMC_UNREACHABLE", "BMC 10.0.0.9:623 does not answer"],
    ["Set Chassis Power Control to Cycle failed: Command not supported in present state\n", "BMC_COMMAND_FAILED", "BMC 10.0.0.9:623: ipmitool chassis power cycle failed: Set Chassis Power Control to Cycle failed: Command not supported in present state"],
  ] as const)("a failure is classified: %j", (output, code, message) => {
    const error = ipmiFailure("10.0.0.9:623", output, ["chassis", "power", "cycle"]);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.hint).toBeTruthy();
  });

  it("any output: a power state, a boot device, or a SyscloneError; a failure is always one line", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (output) => {
        for (const parse of [parsePowerState, parseBootOverride]) {
          try {
            parse(output);
          } catch (error) {
            expect(isSyscloneError(error, "BMC_COMMAND_FAILED")).toBe(true);
          }
        }
        expect(ipmiFailure("h:623", output, ["x"]).message).not.toMatch(/[\n\r]/);
      }),
    );
  });
});
