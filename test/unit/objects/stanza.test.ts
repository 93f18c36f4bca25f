import { describe, expect, it } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { normaliseAttributes, parseAssignments } from "../../../src/objects/schema.js";
import { formatStanzas, parseStanzas } from "../../../src/objects/stanza.js";

describe("stanza files", () => {
  it("round-trips objects", () => {
    const objects = [
      { name: "node01", type: "node", attributes: { ip: "10.0.0.1", groups: "compute,rack1", mac: "52:54:00:00:00:01" } },
      { name: "rocky9", type: "osimage", attributes: { provmethod: "sysclone", retain: "3" } },
    ];
    const parsed = parseStanzas(formatStanzas(objects));
    expect(parsed).toEqual(objects);
  });

  it("refuses a stanza without objtype and unreadable lines", () => {
    expect(() => parseStanzas("node01:\n    ip=10.0.0.1\n")).toThrow(/objtype/);
    expect(() => parseStanzas("node01:\n    objtype=node\nip 10.0.0.1\n")).toThrow(/cannot be read/);
  });
});

describe("attributes", () => {
  it.each([
    [{ mac: "52-54-00-AA-BB-CC" }, { mac: "52:54:00:aa:bb:cc" }],
    [{ groups: "a, b ,c" }, { groups: "a,b,c" }],
    [{ sshport: "022" }, { sshport: "22" }],
    [{ ip: "" }, { ip: "" }],
  ])("normalises %j", (input, expected) => {
    expect(normaliseAttributes("node", input)).toEqual(expected);
  });

  it.each([
    [{ mac: "zz:zz" }, "not a MAC"],
    [{ ip: "10.0.0.300" }, "not an IP"],
    [{ sshport: "70000" }, "1 to 65535"],
    [{ colour: "blue" }, "no attribute \"colour\""],
    [{ state: "installed" }, "set by sysclone"],
    [{ groups: "ok,../bad" }, "not a valid name"],
  ])("refuses %j", (input, fragment) => {
    expect(() => normaliseAttributes("node", input)).toThrow(SyscloneError);
    expect(() => normaliseAttributes("node", input)).toThrow(fragment);
  });

  it("reads attr=value arguments and refuses others", () => {
    expect(parseAssignments(["ip=10.0.0.1", "hostkey=ssh-ed25519 AAA=="])).toEqual({ ip: "10.0.0.1", hostkey: "ssh-ed25519 AAA==" });
    expect(() => parseAssignments(["ip"])).toThrow(/attr=value/);
  });
});
