import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { SupervisedDaemon } from "../src/exec/daemon.js";
import { writeFileAtomically } from "../src/fs/atomic.js";
import { run } from "../src/exec/runner.js";
import { SyscloneError } from "../src/errors/errors.js";
import { dhcpHostsOf, renderDhcpHosts, renderDnsmasqConfig, type DhcpMode } from "../src/netboot/dnsmasq-config.js";
import type { Store } from "../src/store/store.js";

export interface DnsmasqOptions {
  readonly dir: string;
  readonly interface: string;
  readonly mode: DhcpMode;
  readonly range: string;
  readonly serverUrl: string;
  /** Where Debian's ipxe package puts undionly.kpxe and ipxe.efi. */
  readonly ipxeDir: string;
  readonly store: Store;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** How often host entries are refreshed from the nodes (they change through other commands). */
  readonly refreshMs?: number;
}

/** dnsmasq for DHCP and TFTP, from a generated config that dnsmasq itself checks before the server starts. */
export class DnsmasqSupervisor {
  private daemon: SupervisedDaemon | undefined;
  private timer: NodeJS.Timeout | undefined;
  private hostsText = "";

  constructor(private readonly options: DnsmasqOptions) {}

  private get files() {
    const dir = this.options.dir;
    return { config: path.join(dir, "dnsmasq.conf"), hosts: path.join(dir, "hosts"), leases: path.join(dir, "leases"), pid: path.join(dir, "dnsmasq.pid"), tftp: path.join(dir, "tftp") };
  }

  private async writeHosts(): Promise<boolean> {
    const text = renderDhcpHosts(dhcpHostsOf(this.options.store.listObjects("node")));
    if (text === this.hostsText) return false;
    await writeFileAtomically(this.files.hosts, text, 0o644);
    this.hostsText = text;
    return true;
  }

  async start(): Promise<void> {
    const files = this.files;
    await mkdir(files.tftp, { recursive: true });
    await chmod(path.dirname(this.options.dir), 0o755);
    await chmod(this.options.dir, 0o755);
    await chmod(files.tftp, 0o755);
    for (const binary of ["undionly.kpxe", "ipxe.efi"]) await copyFile(path.join(this.options.ipxeDir, binary), path.join(files.tftp, binary));
    // A proxy-DHCP menu entry names the BIOS loader by basename; the firmware asks for basename.0.
    await copyFile(path.join(this.options.ipxeDir, "undionly.kpxe"), path.join(files.tftp, "undionly.0"));
    await this.writeHosts();
    const ipv6 = await run("ip", ["-6", "-o", "addr", "show", "dev", this.options.interface, "scope", "global"]);
    const routerAdvertisements = ipv6.exitCode === 0 && ipv6.stdoutTail.trim() !== "";
    if (!routerAdvertisements) {
      this.options.log(`dnsmasq: ${this.options.interface} has no IPv6 address, so no router advertisements: iPXE will wait ~13 s for one on every boot (add a ULA, e.g. ip addr add fd00:5c::1/64 dev ${this.options.interface})`);
    }
    let config: string;
    try {
      config = renderDnsmasqConfig({ interface: this.options.interface, mode: this.options.mode, routerAdvertisements, range: this.options.range, serverUrl: this.options.serverUrl, tftpRoot: files.tftp, hostsFile: files.hosts, leaseFile: files.leases, pidFile: files.pid });
    } catch (error) {
      throw new SyscloneError("DNSMASQ_CONFIG_REJECTED", (error as Error).message, { hint: "check --dhcp-interface and --dhcp-range (full: START,END[,NETMASK]; proxy: the subnet's address)" });
    }
    await writeFile(files.config, config, { mode: 0o644 });
    const test = await run("dnsmasq", ["--test", `--conf-file=${files.config}`]);
    if (test.exitCode !== 0) {
      throw new SyscloneError("DNSMASQ_CONFIG_REJECTED", `dnsmasq rejected its configuration: ${`${test.stderrTail}${test.stdoutTail}`.trim().split("\n").slice(-2).join(" ")}`, {
        hint: "check --dhcp-interface and --dhcp-range (start,end[,netmask])",
      });
    }
    this.daemon = new SupervisedDaemon({
      name: "dnsmasq",
      command: "dnsmasq",
      args: ["--keep-in-foreground", `--conf-file=${files.config}`, "--log-facility=-"],
      signal: this.options.signal,
      log: this.options.log,
    });
    // A refresh that fails (a host entry dnsmasq cannot take, a full disk) is logged and tried again; it never stops serve.
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.options.log(`dnsmasq: host entries not refreshed: ${error instanceof Error ? error.message : String(error)}`));
    }, this.options.refreshMs ?? 2000);
  }

  /** New host entries reach dnsmasq by SIGHUP, which re-reads its dhcp-hostsfile. */
  async refresh(): Promise<void> {
    if (!(await this.writeHosts())) return;
    const pid = Number((await readFile(this.files.pid, "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 1) process.kill(pid, "SIGHUP");
  }

  /** Stops dnsmasq and removes its runtime directory (everything in it is generated at start). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.daemon?.stop();
    await rm(this.options.dir, { recursive: true, force: true });
  }
}
