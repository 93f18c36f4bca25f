import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serve } from "../../../src/cli/serve.js";
import { parseServeConfig, reloadPlan, SERVE_KEYS, serveKeys, settingsFromSources, type ServeSettings } from "../../../src/config/serve-config.js";

const file = "/etc/sysclone/sysclone.conf";

function settings(text: string, flags: Record<string, string> = {}): ServeSettings {
  const result = settingsFromSources(text, file, flags);
  if ("mistakes" in result) throw new Error(result.mistakes.join("\n"));
  return result.settings;
}

function mistakes(text: string, flags: Record<string, string> = {}): string[] {
  const result = settingsFromSources(text, file, flags);
  return "mistakes" in result ? result.mistakes : [];
}

describe("the config file's keys are serve's flags", () => {
  it("every serve option but --config and --check is a key, and every key an option", () => {
    const options = Object.keys(serve.options).filter((name) => name !== "config" && name !== "check").sort();
    expect([...SERVE_KEYS].sort()).toEqual(options);
  });

  it("the shipped file parses, listens on loopback only, and mentions every key", () => {
    const text = readFileSync(new URL("../../../packaging/sysclone.conf", import.meta.url), "utf8");
    expect(settings(text)).toMatchObject({ host: "127.0.0.1", port: 8080, url: "http://127.0.0.1:8080", rsyncPort: 8873, retrySeconds: 30 });
    for (const key of SERVE_KEYS) expect(text).toMatch(new RegExp(`^#?${key} = `, "m"));
  });
});

describe("settings from the file", () => {
  it("reads KEY = VALUE, comments, blank lines and CRLF; flags win over the file", () => {
    const text = "# comment\n\nlisten = 10.0.0.1:8080   # the provisioning LAN\r\ndhcp-interface=eth1\ndhcp-range = 10.0.0.100,10.0.0.200,255.255.255.0\nretry-seconds = 7\n";
    expect(settings(text)).toEqual({
      host: "10.0.0.1", port: 8080, url: "http://10.0.0.1:8080", rsyncPort: 8873, maxConnections: 16,
      dhcp: { interface: "eth1", mode: "full", range: "10.0.0.100,10.0.0.200,255.255.255.0" },
      retrySeconds: 7, multicastPortbase: 9000, tokenTtl: 600, installTimeout: 3600, maxDiscovered: 1000, bootRate: 5,
    });
    expect(settings(text, { "retry-seconds": "9" }).retrySeconds).toBe(9);
    expect(settings("listen = 0.0.0.0:80\nurl = http://10.0.0.1\nproxy-dhcp = 10.0.0.0\ndhcp-interface = br0\n")).toMatchObject({ url: "http://10.0.0.1", dhcp: { mode: "proxy", range: "10.0.0.0" } });
  });

  it.each([
    ["lisen = 10.0.0.1:80\n", `${file}:1: unknown key "lisen"; the keys are ${SERVE_KEYS.join(", ")}`],
    ["listen = 10.0.0.1:80\nretry_seconds = 5\n", `${file}:2: unknown key "retry_seconds" (did you mean retry-seconds?)`],
    ["listen 10.0.0.1:80\n", `${file}:1: "listen 10.0.0.1:80" is not KEY = VALUE`],
    ["listen = 10.0.0.1\n", `${file}:1: listen "10.0.0.1" is not HOST:PORT (e.g. 10.0.0.1:8080)`],
    ["listen = 10.0.0.1:80\nretry-seconds = soon\n", `${file}:2: retry-seconds "soon" is not a positive whole number (1 to 2147483647)`],
    ["listen = 10.0.0.1:80\nrsync-port = 70000\n", `${file}:2: rsync-port "70000" is not a port (1 to 65535)`],
    ["listen = 10.0.0.1:80\nurl = https://x/boot\n", `${file}:2: url "https://x/boot" is not http://ADDRESS[:PORT] (the address nodes reach this server at, no path)`],
    ["listen = 10.0.0.1:80\nlisten = 10.0.0.2:80\n", `${file}:2: listen is set again (first on line 1); keep one`],
    ["listen =\n", `${file}:1: listen has no value; give one or remove the line`],
    ["# nothing\n", `${file}: serve needs the address nodes reach it at: set url to http://ADDRESS:PORT, or listen on that address`],
    ["listen = 10.0.0.1:80\ndhcp-interface = eth1\n", `${file}:2: dhcp-interface goes with dhcp-range or proxy-dhcp`],
    ["listen = 10.0.0.1:80\n\ndhcp-interface = eth1\ndhcp-range = 10.0.0.5,10.0.0.9\nproxy-dhcp = 10.0.0.0\n", `${file}:4: dhcp-range (full DHCP) and proxy-dhcp (beside the site's DHCP server) exclude each other`],
  ])("%j", (text, mistake) => {
    expect(mistakes(text)).toEqual([mistake]);
  });

  it("one line per mistake, every mistake of the file at once", () => {
    expect(mistakes("lisen = 1\nretry-seconds = 5\nretry-seconds = 6\nbogus\nboot-rate = 0\n")).toEqual([
      `${file}:1: unknown key "lisen"; the keys are ${SERVE_KEYS.join(", ")}`,
      `${file}:3: retry-seconds is set again (first on line 2); keep one`,
      `${file}:4: "bogus" is not KEY = VALUE`,
      `${file}:5: boot-rate "0" is not a positive whole number (1 to 2147483647)`,
    ]);
    expect(mistakes("listen = 10.0.0.1:80\nretry-seconds = 0\nboot-rate = -1\n")).toEqual([
      `${file}:2: retry-seconds "0" is not a positive whole number (1 to 2147483647)`,
      `${file}:3: boot-rate "-1" is not a positive whole number (1 to 2147483647)`,
    ]);
  });

  it("a bad flag is named as a flag", () => {
    expect(mistakes("listen = 10.0.0.1:80\n", { "boot-rate": "x" })).toEqual(['--boot-rate "x" is not a positive whole number (1 to 2147483647)']);
    expect(settingsFromSources("listen = 10.0.0.1:80\n", file, { "boot-rate": "x" })).toMatchObject({ inFile: false });
    expect(settingsFromSources("listen = 10.0.0.1:80\nboot-rate = x\n", file, {})).toMatchObject({ inFile: true });
    expect(settingsFromSources("", file, {})).toMatchObject({ inFile: true });
    expect(settingsFromSources(undefined, "", {})).toMatchObject({ inFile: false });
  });
});

describe("reload", () => {
  it("changes the reloadable settings and names the rest for a restart", () => {
    const before = settings("listen = 10.0.0.1:80\n");
    const after = settings("listen = 10.0.0.2:80\nretry-seconds = 7\nmax-discovered = 50\n");
    expect(reloadPlan(before, after)).toEqual({
      changes: ["retry-seconds 30 -> 7", "max-discovered 1000 -> 50"],
      needRestart: ["listen 10.0.0.1:80 -> 10.0.0.2:80", "url http://10.0.0.1:80 -> http://10.0.0.2:80"],
      reloadable: { retrySeconds: 7, tokenTtl: 600, installTimeout: 3600, maxDiscovered: 50 },
    });
  });
});

describe("properties", () => {
  const arbitraryText = fc.array(fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.tuple(fc.constantFrom(...SERVE_KEYS, "bogus", "listen_"), fc.constantFrom(" = ", "=", " "), fc.string({ maxLength: 30 })).map(([k, s, v]) => `${k}${s}${v}`),
  ), { maxLength: 12 }).map((lines) => lines.join("\n"));

  it("any text gives settings or mistakes, each one line naming the file (and a line of it)", () => {
    fc.assert(fc.property(arbitraryText, (text) => {
      const result = settingsFromSources(text, file, {});
      if ("settings" in result) return;
      expect(result.mistakes.length).toBeGreaterThan(0);
      const lines = text.split("\n").length;
      for (const mistake of result.mistakes) {
        expect(mistake).not.toMatch(/[\n\r]/);
        const match = /^\/etc\/sysclone\/sysclone\.conf(?::(\d+))?: /.exec(mistake);
        expect(match, mistake).not.toBeNull();
        if (match?.[1] !== undefined) expect(Number(match[1])).toBeLessThanOrEqual(lines);
      }
    }), { numRuns: 500 });
  });

  it("valid values written to a file read back as the same settings", () => {
    const port = fc.integer({ min: 1, max: 65535 }).map(String);
    const count = fc.integer({ min: 1, max: 2_147_483_647 }).map(String);
    const octet = fc.integer({ min: 0, max: 255 });
    const ip = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join("."));
    const values = fc.record({
      listen: fc.tuple(ip, port).map(([host, p]) => `${host}:${p}`),
      "rsync-port": port, "max-connections": count, "retry-seconds": count, "mcast-portbase": port,
      "token-ttl": count, "install-timeout": count, "max-discovered": count, "boot-rate": count,
    }, { requiredKeys: ["listen"] });
    fc.assert(fc.property(values, (given) => {
      const text = Object.entries(given).map(([key, value]) => `${key} = ${value}`).join("\n");
      const read = settings(text);
      expect(`${read.host}:${read.port}`).toBe(given.listen);
      expect(read.retrySeconds).toBe(Number(given["retry-seconds"] ?? 30));
      expect(read.rsyncPort).toBe(Number(given["rsync-port"] ?? 8873));
    }), { numRuns: 300 });
  });

  it("parseServeConfig never throws", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      expect(() => parseServeConfig(text, file)).not.toThrow();
    }));
  });

  it("every key has a check that refuses control characters", () => {
    for (const key of SERVE_KEYS) expect(serveKeys[key].check("1\n2"), key).toBeDefined();
  });
});
