import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { hasControlCharacter } from "../../../src/objects/quote.js";
import { normaliseAttributes, parseAssignments } from "../../../src/objects/schema.js";
import { formatStanzas, parseStanzas, STANZA_FILE_HEADER } from "../../../src/objects/stanza.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/stanza");
const fixture = (name: string): string => readFileSync(path.join(fixtures, `${name}.stanza`), "utf8");

function refusal(run: () => unknown): SyscloneError {
  try {
    run();
  } catch (error) {
    if (error instanceof SyscloneError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

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

  it("writes what xCAT's lsdef -z writes: the header comment, a blank line before each stanza, objtype first", () => {
    // The shape of `lsdef -z c910f04x42` in xcat-core docs (guides/admin-guides/.../x86_64 compute node): header, blank, stanza.
    expect(formatStanzas([{ name: "c910f04x42", type: "node", attributes: { groups: "all", arch: "x86_64" } }])).toBe(
      "# <xCAT data object stanza file>\n\nc910f04x42:\n    objtype=node\n    arch=x86_64\n    groups=all\n",
    );
    expect(formatStanzas([])).toBe(`${STANZA_FILE_HEADER}\n`);
  });
});

// xcat2/xcat-core xCAT-test/autotest/testcase/xcatstanzafile/cases0 (files in test/fixtures/stanza, README there).
describe("xCAT-test xcatstanzafile cases0: what the parser makes of each file", () => {
  const testnode = (attributes: Record<string, string>) => [{ name: "testnode", type: "node", attributes }];

  it.each([
    ["normal", { groups: "all,compute", hostname: "MS02.ppd.pok.com", serial: "IS227.ppd.pok.com" }],
    // xcatstanzafile_tab: "xcatmaster  =   MS02.ppd.pok.com" is accepted (rc==0)
    ["tab", { groups: "all,compute", hostname: "MS02.ppd.pok.com", serial: "IS227.ppd.pok.com" }],
    // xcatstanzafile_multattr: "xcatmaster= MS02.ppd.pok.com" reads as xcatmaster=MS02.ppd.pok.com
    ["multattr", { groups: "all,compute", hostname: "MS02.ppd.pok.com", serial: "IS227.ppd.pok.com" }],
    // xcatstanzafile_attribute: "xcatmaster=" leaves the attribute without a value
    ["emptyvalue", { groups: "all,compute", hostname: "", serial: "IS227.ppd.pok.com" }],
  ])("%s.stanza: testnode with the default-node groups", (file, attributes) => {
    expect(parseStanzas(fixture(file))).toEqual(testnode(attributes));
  });

  it("xcatstanzafile_specificvalue: a value in the stanza wins over the default", () => {
    const text = fixture("multattr").replace("    objtype=node\n", "    objtype=node\n    groups=all,rhels5.5\n");
    expect(parseStanzas(text)[0]?.attributes["groups"]).toBe("all,rhels5.5");
  });

  it.each([
    // xcatstanzafile_colon: rc!=0 and testnode not defined
    ["nocolon", 3, '"testnode" cannot be read'],
    // xcatstanzafile_attribute: the line without "=" defines nothing
    ["noequals", 5, '"hostnameMS02.ppd.pok.com" cannot be read'],
    // xcatstanzafile_attribute: "=MS02.ppd.pok.com" defines nothing
    ["noname", 5, "has no attribute name"],
    // xcatstanzafile_objtype: rc!=0
    ["noobjtype", 3, 'stanza "testnode" has no objtype='],
  ])("%s.stanza is refused, naming line %i", (file, line, fragment) => {
    const error = refusal(() => parseStanzas(fixture(file)));
    expect(error.code).toBe("BAD_STANZA");
    expect(error.message).toContain(`stanza line ${line}:`);
    expect(error.message).toContain(fragment);
  });
});

// docs/source/guides/admin-guides/references/man5/xcatstanzafile.5.rst: the rules, each as a case.
describe("xcatstanzafile(5) rules", () => {
  it("the sample: default-node applies to both nodes; the group stanza keeps members", () => {
    expect(parseStanzas(fixture("sample"))).toEqual([
      { name: "node01", type: "node", attributes: { groups: "all,compute", mac: "a2:e2:60:02:c0:03", hostname: "MS02.ppd.pok.com" } },
      { name: "node02", type: "node", attributes: { groups: "all,compute", mac: "a2:e2:60:02:b0:04", hostname: "MS01.ppd.pok.com" } },
      { name: "grp01", type: "group", attributes: { members: "node01,node02" } },
    ]);
  });

  it("defaults are cumulative, apply only to later stanzas of their type, and a blank value turns one off", () => {
    const text = [
      "early:", "  objtype=node",
      "default-node:", "  groups=all", "  sshport=2222",
      "default-osimage:", "  retain=5",
      "n1:", "  objtype=node",
      "default-node:", "  osimage=rocky9",
      "n2:", "  objtype=node",
      "default-node:", "  sshport= ",
      "n3:", "  objtype=node",
      "img:", "  objtype=osimage",
    ].join("\n");
    expect(parseStanzas(text)).toEqual([
      { name: "early", type: "node", attributes: {} },
      { name: "n1", type: "node", attributes: { groups: "all", sshport: "2222" } },
      { name: "n2", type: "node", attributes: { groups: "all", sshport: "2222", osimage: "rocky9" } },
      { name: "n3", type: "node", attributes: { groups: "all", osimage: "rocky9" } },
      { name: "img", type: "osimage", attributes: { retain: "5" } },
    ]);
  });

  it("tabs and spaces are ignored: around names, '=', values and headers, and unindented lines", () => {
    const text = "\tn1 :\nobjtype=node\n\t hostname \t=\t n1.cluster \t\n  ip=10.0.0.1\r\n";
    expect(parseStanzas(text)).toEqual([{ name: "n1", type: "node", attributes: { hostname: "n1.cluster", ip: "10.0.0.1" } }]);
  });

  it("comments on their own lines; attribute names with a dot (nicips.eth0); quotes taken off", () => {
    const text = ["# a comment", "n1:", "   # another", "   objtype=node", "   nicips.eth0=1.1.1.1|1.2.1.1", '   description="two  words"', "   keep='/etc/x'", '   serial=""'].join("\n");
    expect(parseStanzas(text)[0]?.attributes).toEqual({ "nicips.eth0": "1.1.1.1|1.2.1.1", description: "two  words", keep: "/etc/x", serial: "" });
  });

  it("one stanza per object: a second stanza for the same object is refused", () => {
    const error = refusal(() => parseStanzas("n1:\n objtype=node\nn1:\n objtype=node\n"));
    expect(error.message).toBe('stanza line 3: node "n1" has a second stanza');
  });

  it("the same name may be a group and an osimage (lsdef -a -z writes both)", () => {
    expect(parseStanzas("rocky9:\n objtype=group\nrocky9:\n objtype=osimage\n").map((o) => o.type)).toEqual(["group", "osimage"]);
  });

  it.each([
    ["ip=10.0.0.1\n", 'stanza line 1: "ip=10.0.0.1" comes before any "name:" header'],
    ["n1:\n objtype=node\n host name=x\n", 'stanza line 3: "host name" is not an attribute name (letters, digits, _ and .)'],
    ["two words:\n objtype=node\n", 'stanza line 1: "two words:" is not a header: an object name has no blanks'],
    [":\n", 'stanza line 1: ":" is not a header: an object name has no blanks'],
  ])("refuses %j", (text, message) => {
    expect(refusal(() => parseStanzas(text)).message).toBe(message);
  });

  it("quotes what it could not read, so the message stays on one line", () => {
    const error = refusal(() => parseStanzas("n1:\n objtype=node\n bad\u0007line\n"));
    expect(error.message).toBe('stanza line 3: "bad\\u0007line" cannot be read: it is neither a "name:" header nor attr=value');
    expect(hasControlCharacter(error.message)).toBe(false);
  });

  it("writes quotes where reading back would lose blanks or a pair of quotes", () => {
    const objects = [{ name: "n1", type: "node", attributes: { a: " padded ", b: '"quoted"', c: "'x'", d: "", e: 'half"' } }];
    const text = formatStanzas(objects);
    expect(text).toContain('    a=" padded "\n    b=""quoted""\n    c="\'x\'"\n    d=\n    e=half"\n');
    expect(parseStanzas(text)).toEqual(objects);
  });

  it("refuses to write what it could not read back", () => {
    expect(refusal(() => formatStanzas([{ name: "n1", type: "node", attributes: { description: "a\nb" } }])).code).toBe("BAD_STANZA");
    expect(refusal(() => formatStanzas([{ name: "default-node", type: "node", attributes: {} }])).code).toBe("BAD_STANZA");
  });
});

describe("attributes", () => {
  it.each([
    [{ mac: "52-54-00-AA-BB-CC" }, { mac: "52:54:00:aa:bb:cc" }],
    // xcatstanzafile(5) sample: MAC=A2E26002C003
    [{ mac: "A2E26002C003,A2E26002B004" }, { mac: "a2:e2:60:02:c0:03,a2:e2:60:02:b0:04" }],
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
    [{ keep: "/a\n/b" }, "line break or control character"],
    [{ hostname: "n1\tx" }, "line break or control character"],
  ])("refuses %j", (input, fragment) => {
    expect(() => normaliseAttributes("node", input)).toThrow(SyscloneError);
    expect(() => normaliseAttributes("node", input)).toThrow(fragment);
  });

  it("restores read-only attributes when asked to (a stanza being restored)", () => {
    expect(normaliseAttributes("node", { state: "installed", imageversion: "3" }, { allowReadOnly: true })).toEqual({ state: "installed", imageversion: "3" });
  });

  it("escapes input in its messages", () => {
    const error = refusal(() => normaliseAttributes("node", { ip: "10.0.0.1\nrm -rf /" }));
    expect(error.message).toBe('node attribute ip: "10.0.0.1\\nrm -rf /" holds a line break or control character');
    expect(refusal(() => normaliseAttributes("node", { "a\nb": "x" })).message).toBe('node has no attribute "a\\nb"');
    expect(refusal(() => normaliseAttributes("node", { mac: "x\r" })).message).not.toMatch(/[\r\n]/);
  });

  it("reads attr=value arguments and refuses others", () => {
    expect(parseAssignments(["ip=10.0.0.1", "hostkey=ssh-ed25519 AAA=="])).toEqual({ ip: "10.0.0.1", hostkey: "ssh-ed25519 AAA==" });
    expect(() => parseAssignments(["ip"])).toThrow(/attr=value/);
    expect(refusal(() => parseAssignments(["a\nb"])).message).toBe('"a\\nb" is not attr=value');
  });

  it("keeps __proto__ as data, so it is refused as an unknown attribute rather than lost", () => {
    const parsed = parseAssignments(["__proto__=x"]);
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
    expect(() => normaliseAttributes("node", parsed)).toThrow('no attribute "__proto__"');
    expect(Object.keys(parseStanzas("n1:\n objtype=node\n __proto__=x\n")[0]?.attributes ?? {})).toEqual(["__proto__"]);
  });
});
