import { describe, expect, it } from "vitest";
import { chooseKernel } from "../../../src/netboot/kernel.js";
import { dhcpHostsOf, renderDhcpHosts, renderDnsmasqConfig } from "../../../src/netboot/dnsmasq-config.js";

describe("dnsmasq configuration", () => {
  const config = { interface: "eth1", mode: "full" as const, range: "10.0.0.100,10.0.0.200,255.255.255.0", serverUrl: "http://10.0.0.1:8080", tftpRoot: "/run/sysclone/d/tftp", hostsFile: "/run/sysclone/d/hosts", leaseFile: "/run/sysclone/d/leases", pidFile: "/run/sysclone/d/pid" };

  it("sends iPXE to /boot.ipxe and firmware to the iPXE binary of its architecture, with no DNS", () => {
    const text = renderDnsmasqConfig(config);
    expect(text).toContain("port=0\ninterface=eth1\nbind-interfaces\n");
    expect(text).toContain("dhcp-boot=tag:ipxe,http://10.0.0.1:8080/boot.ipxe\ndhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi\ndhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n");
  });

  it("tells iPXE not to wait for ProxyDHCP offers when it gives the addresses itself, and never as the proxy", () => {
    expect(renderDnsmasqConfig(config)).toContain("dhcp-option=tag:ipxe,encap:175,176,1\n");
    expect(renderDnsmasqConfig({ ...config, mode: "proxy", range: "10.0.0.0" })).not.toContain("175,176");
  });

  it("in proxy mode gives no addresses and no host entries, only boot information beside the site's DHCP server", () => {
    const text = renderDnsmasqConfig({ ...config, mode: "proxy", range: "10.0.0.0" });
    expect(text).toContain("dhcp-range=10.0.0.0,proxy\n");
    expect(text).not.toContain("dhcp-hostsfile");
    expect(text).not.toContain("dhcp-authoritative");
    expect(text).toContain("dhcp-boot=tag:ipxe,http://10.0.0.1:8080/boot.ipxe\n");
    expect(text).toContain('pxe-service=tag:!ipxe,x86PC,"sysclone",undionly\n');
    expect(text).toContain('pxe-service=tag:!ipxe,X86-64_EFI,"sysclone",ipxe.efi\n');
    // iPXE ignores a proxy answer without a PXE menu: it gets one naming the script.
    expect(text).toContain('pxe-service=tag:ipxe,x86PC,"sysclone",http://10.0.0.1:8080/boot.ipxe\n');
    expect(text).toContain('pxe-service=tag:ipxe,X86-64_EFI,"sysclone",http://10.0.0.1:8080/boot.ipxe\n');
    expect(() => renderDnsmasqConfig({ ...config, mode: "proxy" })).toThrow(/subnet's address/);
  });

  it("advertises an IPv6 router when asked, so iPXE's IPv6 configurator stops waiting; leases no IPv6 addresses", () => {
    expect(renderDnsmasqConfig(config)).not.toContain("enable-ra");
    expect(renderDnsmasqConfig({ ...config, routerAdvertisements: true })).toContain("enable-ra\ndhcp-range=::,constructor:eth1,ra-only\n");
  });

  it("refuses values that would add lines to the config", () => {
    expect(() => renderDnsmasqConfig({ ...config, interface: "eth1\ndhcp-script=/tmp/x" })).toThrow(/unsafe/);
  });

  it("makes host entries for every MAC of nodes with an address, skipping discovered records", () => {
    const hosts = dhcpHostsOf([
      { name: "n01", attributes: { mac: "52:54:00:00:00:01,52:54:00:00:01:01", ip: "10.0.0.11", hostname: "n01.cluster" } },
      { name: "n02", attributes: { mac: "52:54:00:00:00:02", ip: "" } },
      { name: "discovered-525400000003", attributes: { mac: "52:54:00:00:00:03", ip: "10.0.0.13", state: "discovered" } },
    ]);
    expect(renderDhcpHosts(hosts)).toBe("52:54:00:00:00:01,10.0.0.11,n01\n52:54:00:00:01:01,10.0.0.11,n01\n");
  });

  it.each([
    ["a host name with a comma, which would add a DHCP option", { hostname: "n04,set:evil" }, "52:54:00:00:00:04,10.0.0.14\n"],
    ["a host name with a space", { hostname: "n04 x" }, "52:54:00:00:00:04,10.0.0.14\n"],
    ["a node name that is no RFC 1123 label", { hostname: "", name: "n_04" }, "52:54:00:00:00:04,10.0.0.14\n"],
    ["an address that is not IPv4", { ip: "10.0.0.14,set:x" }, ""],
    ["a MAC in another form", { mac: "52-54-00-00-00-04" }, ""],
  ])("leaves out %s instead of passing it to dnsmasq", (_what, change: Record<string, string>, expected) => {
    const { name = "n04", ...attributes }: Record<string, string> = { mac: "52:54:00:00:00:04", ip: "10.0.0.14", hostname: "n04", ...change };
    expect(renderDhcpHosts(dhcpHostsOf([{ name, attributes }]))).toBe(expected);
  });
});

describe("the image's kernel for the clone initrd", () => {
  it.each([
    ["the running kernel when it has modules", [{ version: "6.1.0-9", hasModules: true }, { version: "6.1.0-10", hasModules: true }], "6.1.0-9", "6.1.0-9"],
    ["else the newest with modules, numerically", [{ version: "6.1.0-9", hasModules: true }, { version: "6.1.0-10", hasModules: true }, { version: "6.1.0-11", hasModules: false }], "5.10.0", "6.1.0-10"],
    ["none without modules", [{ version: "6.1.0-9", hasModules: false }], "6.1.0-9", undefined],
  ])("%s", (_name, available, running, expected) => {
    expect(chooseKernel(available, running)).toBe(expected);
  });
});
