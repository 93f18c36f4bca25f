/** The clone initrd's kernel command line (agent/initrd/init reads it), for kexec and boot media. Pure. */
import { SyscloneError } from "../errors/errors.js";

/** ADDR/PREFIX and a gateway: the initrd's static network instead of DHCP. */
export interface StaticNetwork {
  readonly address: string;
  readonly prefix: number;
  readonly gateway?: string;
}

export interface CloneArgs {
  /** The server's URL, http://HOST:PORT. */
  readonly server: string;
  readonly node?: string;
  /** The per-boot install token: absent on boot media, which asks /boot for one. */
  readonly token?: string;
  readonly network?: StaticNetwork;
  readonly onfail?: "shell" | "poweroff" | "reboot";
  /** Boot media: identify to /boot by MAC, UUID and serial (sysclone.media=1). */
  readonly media?: boolean;
}

/** The consoles a clone writes to, as iPXE's install answer gives them (server/templates/install.ipxe). */
export const CLONE_CONSOLES = "console=tty0 console=ttyS0,115200";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function refuse(what: string, text: string, hint: string): never {
  throw new SyscloneError("BAD_ADDRESS", `${what} ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)} is not valid`, { hint });
}

export function parseIpv4(text: string, what = "address"): string {
  if (!IPV4.test(text)) refuse(what, text, "give an IPv4 address such as 10.0.0.5");
  return text;
}

/** `--ip ADDR/PREFIX` (and `--gw GW`) → the static network of a clone. */
export function parseStaticNetwork(addressWithPrefix: string, gateway: string | undefined): StaticNetwork {
  const [address = "", prefixText, ...more] = addressWithPrefix.split("/");
  const hint = "give it as ADDR/PREFIX, e.g. --ip 10.0.0.50/24";
  if (prefixText === undefined || more.length > 0 || !/^\d{1,2}$/.test(prefixText) || Number(prefixText) < 1 || Number(prefixText) > 32) {
    refuse("--ip", addressWithPrefix, hint);
  }
  if (!IPV4.test(address)) refuse("--ip", addressWithPrefix, hint);
  return { address, prefix: Number(prefixText), ...(gateway !== undefined ? { gateway: parseIpv4(gateway, "--gw") } : {}) };
}

/** 255.255.255.0 → 24; a mask whose bits are not contiguous is refused. */
export function netmaskPrefix(netmask: string): number {
  parseIpv4(netmask, "netmask");
  const bits = netmask.split(".").map((octet) => Number(octet).toString(2).padStart(8, "0")).join("");
  if (!/^1*0*$/.test(bits)) refuse("netmask", netmask, "give a netmask such as 255.255.255.0");
  return bits.indexOf("0") === -1 ? 32 : bits.indexOf("0");
}

/** A node with nicmode=static and ip/netmask clones with that address; otherwise the initrd asks DHCP. */
export function nodeStaticNetwork(attributes: Readonly<Record<string, string | undefined>>): StaticNetwork | undefined {
  const ip = attributes["ip"] ?? "";
  const netmask = attributes["netmask"] ?? "";
  if (attributes["nicmode"] !== "static" || ip === "" || netmask === "") return undefined;
  const gateway = attributes["gateway"] ?? "";
  return { address: parseIpv4(ip, "ip"), prefix: netmaskPrefix(netmask), ...(gateway !== "" ? { gateway: parseIpv4(gateway, "gateway") } : {}) };
}

/** http(s)://HOST[:PORT] with nothing a kernel command line would split or a shell would read. */
export function parseServerUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !/^[A-Za-z0-9:/._[\]-]+$/.test(text) || url.username !== "" || url.search !== "" || url.hash !== "") {
    refuse("server URL", text, "give it as http://HOST:PORT, the address nodes reach `sysclone serve` at");
  }
  return text.replace(/\/+$/, "");
}

/** The words after the kernel's own: what agent/initrd/init reads. */
export function cloneKernelArgs(args: CloneArgs): string {
  const words = [CLONE_CONSOLES, `sysclone.server=${parseServerUrl(args.server)}`];
  if (args.node !== undefined) words.push(`sysclone.node=${args.node}`);
  if (args.token !== undefined) {
    if (!/^[A-Za-z0-9_-]+$/.test(args.token)) throw new SyscloneError("INTERNAL", "an install token holds characters a kernel command line cannot carry");
    words.push(`sysclone.token=${args.token}`);
  }
  if (args.network) {
    words.push(`sysclone.ip=${args.network.address}/${args.network.prefix}`);
    if (args.network.gateway !== undefined) words.push(`sysclone.gw=${args.network.gateway}`);
  }
  if (args.media === true) words.push("sysclone.media=1");
  words.push(`sysclone.onfail=${args.onfail ?? "shell"}`);
  return words.join(" ");
}
