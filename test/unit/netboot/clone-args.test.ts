import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { errorCodeOf as codeOf } from "../../helpers/error-code.js";
import { cloneKernelArgs, netmaskPrefix, nodeStaticNetwork, parseServerUrl, parseStaticNetwork } from "../../../src/netboot/clone-args.js";

const consoles = "console=tty0 console=ttyS0,115200";

describe("the clone initrd's kernel command line", () => {
  it.each([
    ["kexec, DHCP", { server: "http://10.0.0.1:8080", node: "n07", token: "abc_DEF-123" }, `${consoles} sysclone.server=http://10.0.0.1:8080 sysclone.node=n07 sysclone.token=abc_DEF-123 sysclone.onfail=shell`],
    [
      "kexec, static",
      { server: "http://10.0.0.1:8080/", node: "n07", token: "t", network: { address: "10.0.0.57", prefix: 24, gateway: "10.0.0.1" }, onfail: "reboot" as const },
      `${consoles} sysclone.server=http://10.0.0.1:8080 sysclone.node=n07 sysclone.token=t sysclone.ip=10.0.0.57/24 sysclone.gw=10.0.0.1 sysclone.onfail=reboot`,
    ],
    ["media, any machine", { server: "https://prov.example:8443", media: true }, `${consoles} sysclone.server=https://prov.example:8443 sysclone.media=1 sysclone.onfail=shell`],
    [
      "media for a node, static without a gateway",
      { server: "http://10.0.0.1:8080", node: "n07", media: true, network: { address: "10.0.0.57", prefix: 16 } },
      `${consoles} sysclone.server=http://10.0.0.1:8080 sysclone.node=n07 sysclone.ip=10.0.0.57/16 sysclone.media=1 sysclone.onfail=shell`,
    ],
  ])("%s", (_name, args, expected) => {
    expect(cloneKernelArgs(args)).toBe(expected);
  });

  it("refuses a token a command line cannot carry", () => {
    expect(codeOf(() => cloneKernelArgs({ server: "http://a:1", node: "n", token: "a b" }))).toBe("INTERNAL");
  });
});

describe("addresses", () => {
  it.each([
    ["10.0.0.5/24", "10.0.0.1", { address: "10.0.0.5", prefix: 24, gateway: "10.0.0.1" }],
    ["192.168.1.200/32", undefined, { address: "192.168.1.200", prefix: 32 }],
  ])("--ip %s --gw %s", (ip, gw, expected) => {
    expect(parseStaticNetwork(ip, gw)).toEqual(expected);
  });

  it.each([["10.0.0.5", undefined], ["10.0.0.5/33", undefined], ["10.0.0.5/0", undefined], ["10.0.0.256/24", undefined], ["10.0.0.5/24/1", undefined], ["10.0.0.5/24", "10.0.0"], ["a/24", undefined]])("refuses --ip %s --gw %s with BAD_ADDRESS", (ip, gw) => {
    expect(codeOf(() => parseStaticNetwork(ip, gw))).toBe("BAD_ADDRESS");
  });

  it.each([["255.255.255.0", 24], ["255.255.0.0", 16], ["255.255.255.255", 32], ["255.255.255.128", 25], ["0.0.0.0", 0]])("netmask %s is /%d", (mask, prefix) => {
    expect(netmaskPrefix(mask)).toBe(prefix);
  });

  it("refuses a netmask with holes", () => {
    expect(codeOf(() => netmaskPrefix("255.0.255.0"))).toBe("BAD_ADDRESS");
  });

  it("a node clones with its static address only when nicmode=static and ip and netmask are set", () => {
    expect(nodeStaticNetwork({ nicmode: "static", ip: "10.0.0.5", netmask: "255.255.255.0", gateway: "10.0.0.1" })).toEqual({ address: "10.0.0.5", prefix: 24, gateway: "10.0.0.1" });
    expect(nodeStaticNetwork({ nicmode: "static", ip: "10.0.0.5", netmask: "255.255.255.0", gateway: "" })).toEqual({ address: "10.0.0.5", prefix: 24 });
    expect(nodeStaticNetwork({ nicmode: "dhcp", ip: "10.0.0.5", netmask: "255.255.255.0" })).toBeUndefined();
    expect(nodeStaticNetwork({ nicmode: "static", ip: "10.0.0.5" })).toBeUndefined();
  });

  it.each(["http://10.0.0.1:8080", "https://prov.example", "http://[fd00::1]:8080"])("server URL %s", (url) => {
    expect(parseServerUrl(url)).toBe(url);
  });

  it.each(["10.0.0.1:8080", "ftp://a", "http://a b", "http://u:p@a", "http://a/?x=1", "http://a/$(x)", ""])("refuses server URL %j with BAD_ADDRESS", (url) => {
    expect(codeOf(() => parseServerUrl(url))).toBe("BAD_ADDRESS");
  });

  it("every parser accepts or throws BAD_ADDRESS, for any input", () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (text, gw) => {
        for (const code of [codeOf(() => parseStaticNetwork(text, gw)), codeOf(() => netmaskPrefix(text)), codeOf(() => parseServerUrl(text))]) expect(["ok", "BAD_ADDRESS"]).toContain(code);
      }),
    );
  });

  it("an accepted server URL is one word a kernel command line and a shell read as it is", () => {
    fc.assert(
      fc.property(fc.webUrl(), (url) => {
        if (codeOf(() => parseServerUrl(url)) === "ok") expect(parseServerUrl(url)).toMatch(/^https?:\/\/[A-Za-z0-9:/._[\]-]+$/);
      }),
    );
  });
});
