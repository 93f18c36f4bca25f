import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { bootDeviceNode, parseBootDeviceAction, parsePowerAction, powerNode } from "../../../src/power/actions.js";
import { ipmitoolArgs, ipmitoolEnv } from "../../../src/power/ipmitool.js";

/** A BMC in memory: the commands it was given, and its power. */
function fakeBmc(power: "on" | "off"): { commands: string[]; ipmi: (command: readonly string[]) => Promise<string> } {
  const commands: string[] = [];
  return {
    commands,
    ipmi: (command) => {
      commands.push(command.join(" "));
      return Promise.resolve(command[2] === "status" ? `Chassis Power is ${power}\n` : "");
    },
  };
}

describe("power actions", () => {
  it.each([
    ["stat", "on", "on", ["chassis power status"]],
    ["on", "off", "on", ["chassis power status", "chassis power on"]],
    ["off", "on", "off", ["chassis power status", "chassis power off"]],
    ["reset", "on", "reset", ["chassis power status", "chassis power reset"]],
    ["softoff", "on", "softoff", ["chassis power status", "chassis power soft"]],
    ["boot", "on", "on reset", ["chassis power status", "chassis power reset"]],
    ["boot", "off", "off on", ["chassis power status", "chassis power on"]],
    ["cycle", "on", "on cycle", ["chassis power status", "chassis power cycle"]],
    ["cycle", "off", "off on", ["chassis power status", "chassis power on"]],
  ] as const)("%s of a node that is %s: %s", async (action, power, result, commands) => {
    const bmc = fakeBmc(power);
    expect((await powerNode(bmc.ipmi, action)).result).toBe(result);
    expect(bmc.commands).toEqual(commands);
  });

  it("boot devices: one-time unless persistent, in ipmitool's words", async () => {
    const bmc = fakeBmc("on");
    expect(await bootDeviceNode(bmc.ipmi, "net", false)).toBe("net");
    expect(await bootDeviceNode(bmc.ipmi, "hd", true)).toBe("hd (persistent)");
    expect(bmc.commands).toEqual(["chassis bootdev pxe", "chassis bootdev disk options=persistent"]);
  });

  it("actions and devices are parsed, with xCAT's and ipmitool's other names; anything else is USAGE", () => {
    expect(parsePowerAction("state")).toBe("stat");
    expect(parseBootDeviceAction("pxe")).toBe("net");
    expect(parseBootDeviceAction("disk")).toBe("hd");
    for (const bad of [undefined, "", "ON", "halt"]) expect(() => parsePowerAction(bad)).toThrow(expect.objectContaining({ code: "USAGE" }) as Error);
    expect(isSyscloneError((() => { try { parseBootDeviceAction("floppy"); } catch (e) { return e; } })(), "USAGE")).toBe(true);
  });
});

describe("ipmitool's arguments", () => {
  const target = { node: "n1", host: "10.1.0.7", port: 623, username: "admin", password: "p@ss word", cipher: 17 };

  it("lanplus with the node's cipher suite, -E, bounded timeout and retries; the password only in the child's environment", () => {
    const args = ipmitoolArgs(target, ["chassis", "power", "status"]);
    expect(args).toEqual(["-I", "lanplus", "-C", "17", "-H", "10.1.0.7", "-p", "623", "-U", "admin", "-E", "-N", "2", "-R", "1", "chassis", "power", "status"]);
    expect(args.join(" ")).not.toContain("p@ss");
    expect(args).not.toContain("-P");
    expect(ipmitoolEnv(target)).toEqual({ IPMI_PASSWORD: "p@ss word" });
  });
});

describe("the console's arguments", () => {
  it("sol activate, more patient than one command, and no password", async () => {
    const { solActivateArgs } = await import("../../../src/power/console.js");
    const args = solActivateArgs({ node: "n1", host: "10.1.0.7", port: 623, username: "admin", password: "secret", cipher: 3 });
    expect(args.slice(-6)).toEqual(["-N", "5", "-R", "3", "sol", "activate"]);
    expect(args.join(" ")).not.toContain("secret");
  });
});
