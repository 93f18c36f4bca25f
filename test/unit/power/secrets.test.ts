import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_MASK } from "../../../src/objects/secret-mask.js";
import { normaliseAttributes, type Attributes } from "../../../src/objects/schema.js";
import { isSealed, openWith, SecretBox, sealWith } from "../../../src/store/secret-box.js";
import { Store } from "../../../src/store/store.js";
import { bmcSettingSources } from "../../../src/power/target.js";
import { lastConsoleLines } from "../../../src/power/console-log.js";
import { wantsConsole } from "../../../src/power/console-recorder.js";
import { installDestinies } from "../../../src/objects/node-state.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-secrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("sealed secrets", () => {
  it("any text seals and opens again, never showing itself, differently each time", () => {
    const key = randomBytes(32);
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (clear) => {
        const sealed = sealWith(key, clear);
        expect(isSealed(sealed)).toBe(true);
        expect(openWith(key, sealed)).toBe(clear);
        if (clear.length >= 8) expect(sealed.slice("sealed:v1:".length)).not.toContain(clear);
        expect(sealWith(key, clear)).not.toBe(sealed);
      }),
    );
  });

  it("another key, a changed byte or a foreign value is SECRET_UNREADABLE", () => {
    const key = randomBytes(32);
    const sealed = sealWith(key, "pw");
    expect(openWith(key, sealed)).toBe("pw");
    expect(() => openWith(randomBytes(32), sealed)).toThrow(expect.objectContaining({ code: "SECRET_UNREADABLE" }) as Error);
    // The body's middle character (all six of its bits are data), changed to another: it was the last one's test, which left it as it was 1 time in 64.
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === "A" ? "B" : "A"}${sealed.slice(-1)}`;
    expect(flipped).not.toBe(sealed);
    expect(() => openWith(key, flipped)).toThrow(expect.objectContaining({ code: "SECRET_UNREADABLE" }) as Error);
    expect(() => openWith(key, "plain")).toThrow(expect.objectContaining({ code: "SECRET_UNREADABLE" }) as Error);
  });

  it("the key file is made on the first seal only, mode 0600, and read back by another box", async () => {
    const file = path.join(dir, "secrets.key");
    const box = new SecretBox(file);
    await expect(stat(file)).rejects.toThrow();
    const sealed = box.seal("hello");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(new SecretBox(file).open(sealed)).toBe("hello");
    await writeFile(path.join(dir, "bad.key"), "short\n");
    expect(() => new SecretBox(path.join(dir, "bad.key")).open(sealed)).toThrow(/not 32 bytes/);
    expect(() => new SecretBox(path.join(dir, "none.key")).open(sealed)).toThrow(/is missing/);
  });

  it("the store: reads show the mask, writing the mask keeps the value, a sealed-looking value is refused", () => {
    const store = Store.open(":memory:");
    try {
      store.createObject("node", "n1", { bmcpassword: "pw1" });
      expect(store.getObject("node", "n1")?.["bmcpassword"]).toBe(SECRET_MASK);
      store.updateObject("node", "n1", { bmcpassword: SECRET_MASK, bmc: "10.0.0.1" });
      expect(store.revealSecret("node", "n1", "bmcpassword")).toBe("pw1");
      store.updateObject("node", "n1", { bmcpassword: "" });
      expect(store.getObject("node", "n1")?.["bmcpassword"]).toBe("");
      expect(() => normaliseAttributes("node", { bmcpassword: "sealed:v1:abc" })).toThrow(/may not begin with sealed:v1:/);
      expect(() => normaliseAttributes("node", { bmcpassword: "x".repeat(21) })).toThrow(/longer than 20 bytes/);
    } finally {
      store.close();
    }
  });
});

describe("BMC settings and consoles", () => {
  it("mgt, user, password and cipher: the node's own, else its strongest group's", () => {
    const groups = [
      { name: "weak", attributes: { mgt: "ipmi", bmcusername: "weak", bmcpassword: SECRET_MASK, bmccipher: "" } },
      { name: "strong", attributes: { mgt: "", bmcusername: "strong", bmcpassword: "", bmccipher: "17" } },
    ];
    const sources = bmcSettingSources("n1", { mgt: "", bmcusername: "", bmcpassword: "", bmccipher: "" }, groups);
    expect(sources.mgt).toEqual({ value: "ipmi", from: { type: "group", name: "weak" } });
    expect(sources.bmcusername).toEqual({ value: "strong", from: { type: "group", name: "strong" } });
    expect(sources.bmcpassword?.from).toEqual({ type: "group", name: "weak" });
    expect(sources.bmccipher?.value).toBe("17");
    expect(bmcSettingSources("n1", { mgt: "none" }, groups).mgt?.value).toBe("none");
  });

  it.each([
    [{ bmc: "10.0.0.1", mgt: "ipmi", destiny: "install", state: "ready" }, true],
    [{ bmc: "10.0.0.1", mgt: "ipmi", destiny: "wipe,install", state: "installing" }, true],
    [{ bmc: "10.0.0.1", mgt: "ipmi", destiny: "boot", state: "installed" }, false],
    [{ bmc: "10.0.0.1", mgt: "ipmi", destiny: "install", state: "failed" }, false],
    [{ bmc: "", mgt: "ipmi", destiny: "install", state: "ready" }, false],
    [{ bmc: "10.0.0.1", mgt: "none", destiny: "install", state: "ready" }, false],
  ] as const)("serve records the console of %j: %s", (attributes, wanted) => {
    expect(wantsConsole({ name: "n1", attributes }, () => [])).toBe(wanted);
  });

  it("the recorders' poll reads only nodes with a BMC due to install, and loses none the recorder wants", () => {
    const values = { bmc: ["", "10.0.0.1"], mgt: ["", "ipmi", "none"], destiny: ["install", "wipe,install", "boot", "shell", "none"], state: ["ready", "installing", "installed", "booted", "failed", "discovered"] };
    fc.assert(
      fc.property(fc.array(fc.record({ bmc: fc.constantFrom(...values.bmc), mgt: fc.constantFrom(...values.mgt), destiny: fc.constantFrom(...values.destiny), state: fc.constantFrom(...values.state) }), { maxLength: 30 }), (nodes) => {
        const store = Store.open(":memory:");
        try {
          nodes.forEach((attributes, i) => store.createObject("node", `n${String(i).padStart(2, "0")}`, attributes));
          const polled = store.listNodesWithBmc(installDestinies, ["ready", "installing"]);
          const wanted = (list: { name: string; attributes: Attributes }[]): string[] => list.filter((node) => wantsConsole(node, () => [])).map((node) => node.name);
          expect(wanted(polled)).toEqual(wanted(store.listObjects("node")));
          for (const { attributes } of polled) expect(attributes["bmc"] !== "" && ["install", "wipe,install"].includes(attributes["destiny"] ?? "") && ["ready", "installing"].includes(attributes["state"] ?? "")).toBe(true);
        } finally {
          store.close();
        }
      }),
      { numRuns: 50 },
    );
  });

  it("a console's last lines: no escapes, carriage returns or blank lines, the newest last", () => {
    const text = "\u001b[2J\u001b[1;1HSeaBIOS\r\n\r\nLoading Linux...\r\nsysclone: partitioning /dev/vda\r\n\u0007sysclone: FAILED: no disk\r\n";
    expect(lastConsoleLines(text, 2)).toEqual(["sysclone: partitioning /dev/vda", "sysclone: FAILED: no disk"]);
    expect(lastConsoleLines(text, 10)).toEqual(["SeaBIOS", "Loading Linux...", "sysclone: partitioning /dev/vda", "sysclone: FAILED: no disk"]);
  });
});
