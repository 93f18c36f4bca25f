import { startServer } from "../../server/main.js";
import { DEFAULT_BOOT_RATE, DEFAULT_MAX_DISCOVERED } from "../boot/service.js";
import { SyscloneError } from "../errors/errors.js";
import { DEFAULT_INSTALL_TIMEOUTS } from "../install/service.js";
import { positiveIntegerOption, stringValue, type Command } from "./command.js";

function parseListen(text: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535) throw new SyscloneError("USAGE", `--listen ${text} is not HOST:PORT`, { hint: "e.g. --listen 10.0.0.1:8080" });
  return { host: match[1] || "0.0.0.0", port: Number(match[2]) };
}

export const serve: Command = {
  name: "serve",
  summary: "run the management server (install API and rsync daemon) until stopped",
  usage: "sysclone serve [--listen HOST:PORT] [--url http://ADDRESS:PORT] [--rsync-port N] [--max-connections N] [--dhcp-interface IF --dhcp-range START,END[,NETMASK] | --dhcp-interface IF --proxy-dhcp SUBNET] [--retry-seconds 30] [--mcast-portbase 9000] [--token-ttl 600] [--install-timeout 3600] [--max-discovered 1000] [--boot-rate 5]",
  options: {
    listen: { type: "string" },
    url: { type: "string" },
    "rsync-port": { type: "string" },
    "max-connections": { type: "string" },
    "dhcp-interface": { type: "string" },
    "dhcp-range": { type: "string" },
    "proxy-dhcp": { type: "string" },
    "retry-seconds": { type: "string" },
    "mcast-portbase": { type: "string" },
    "token-ttl": { type: "string" },
    "install-timeout": { type: "string" },
    "max-discovered": { type: "string" },
    "boot-rate": { type: "string" },
  },
  examples: ["sysclone serve --listen 10.0.0.1:8080", "sysclone serve --listen 10.0.0.1:8080 --dhcp-interface eth1 --dhcp-range 10.0.0.100,10.0.0.200,255.255.255.0",
    "sysclone serve --listen 10.0.0.1:8080 --dhcp-interface eth1 --proxy-dhcp 10.0.0.0"],
  async run(args, deps) {
    const { host, port } = parseListen(stringValue(args, "listen") ?? "0.0.0.0:8080");
    const url = stringValue(args, "url") ?? (host === "0.0.0.0" ? undefined : `http://${host}:${port}`);
    if (url === undefined || !/^http:\/\/[^/]+$/.test(url)) {
      throw new SyscloneError("USAGE", "serve needs the address nodes reach it at", { hint: "pass --url http://ADDRESS:PORT, or --listen on that address" });
    }
    const dhcpInterface = stringValue(args, "dhcp-interface");
    const dhcpRange = stringValue(args, "dhcp-range");
    const proxySubnet = stringValue(args, "proxy-dhcp");
    if (dhcpRange !== undefined && proxySubnet !== undefined) throw new SyscloneError("USAGE", "--dhcp-range (full DHCP) and --proxy-dhcp (beside the site's DHCP server) exclude each other");
    const range = dhcpRange ?? proxySubnet;
    if ((dhcpInterface === undefined) !== (range === undefined)) throw new SyscloneError("USAGE", "--dhcp-interface goes with --dhcp-range or --proxy-dhcp");
    const server = await startServer({
      ...(dhcpInterface !== undefined && range !== undefined ? { dhcp: { interface: dhcpInterface, mode: proxySubnet !== undefined ? "proxy" : "full", range } } : {}),
      retrySeconds: positiveIntegerOption(args, "retry-seconds", 30),
      home: deps.home,
      store: deps.store(),
      repository: deps.repository,
      host,
      port,
      url,
      rsyncPort: positiveIntegerOption(args, "rsync-port", 8873),
      maxConnections: positiveIntegerOption(args, "max-connections", 16),
      multicastPortbase: positiveIntegerOption(args, "mcast-portbase", 9000),
      installTimeouts: {
        issuedSeconds: positiveIntegerOption(args, "token-ttl", DEFAULT_INSTALL_TIMEOUTS.issuedSeconds),
        plannedSeconds: positiveIntegerOption(args, "install-timeout", DEFAULT_INSTALL_TIMEOUTS.plannedSeconds),
      },
      maxDiscovered: positiveIntegerOption(args, "max-discovered", DEFAULT_MAX_DISCOVERED),
      bootRatePerSecond: positiveIntegerOption(args, "boot-rate", DEFAULT_BOOT_RATE),
      signal: deps.signal,
      log: (line) => deps.out.line(line),
    });
    deps.out.line(`serving ${url} (install API) and rsync on port ${stringValue(args, "rsync-port") ?? 8873}${dhcpInterface ? `, ${proxySubnet !== undefined ? "proxy-DHCP" : "DHCP"} and TFTP on ${dhcpInterface}` : ""}; stop with Ctrl-C`);
    deps.out.line(`dashboard at ${url}/, management API at ${url}/api/v1 (docs: ${url}/api/v1/docs)`);
    if (!deps.signal.aborted) await new Promise((resolve) => deps.signal.addEventListener("abort", resolve, { once: true }));
    await server.close();
    deps.out.line("stopped");
    return 0;
  },
};
