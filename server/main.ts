import { isIP } from "node:net";
import { MulticastSessions } from "./multicast.js";
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { postscriptDirsOf, type SyscloneHome } from "../src/config/paths.js";
import type { ImageRepository } from "../src/image/repository.js";
import { loadOrCreateServerKey } from "../src/install/server-key.js";
import { loadOrCreateSigningKey, signingKeyFile } from "../src/install/signing.js";
import { DEFAULT_INSTALL_TIMEOUTS, type InstallDeps, type InstallTimeouts } from "../src/install/service.js";
import type { Store } from "../src/store/store.js";
import type { ReloadableSettings } from "../src/config/serve-config.js";
import { DEFAULT_MAX_DISCOVERED, DEFAULT_RETRY_SECONDS } from "../src/boot/service.js";
import { buildServer } from "./app.js";
import { DnsmasqSupervisor } from "./dnsmasq.js";
import type { DhcpMode } from "../src/netboot/dnsmasq-config.js";
import { RsyncdSupervisor } from "./rsyncd.js";
import { startHousekeeping } from "./housekeeping.js";
import { consoleTail } from "../src/power/console-log.js";
import { startConsoleRecorders } from "../src/power/console-recorder.js";
import { acquireServeLock } from "./serve-lock.js";

export interface ServeOptions {
  readonly home: SyscloneHome;
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly host: string;
  readonly port: number;
  /** The URL nodes use to reach this server (its address on the provisioning network). */
  readonly url: string;
  readonly rsyncPort: number;
  readonly maxConnections: number;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  readonly logRequests?: boolean;
  /** Run dnsmasq for DHCP (full, on this interface and range) and TFTP of iPXE. */
  readonly dhcp?: { readonly interface: string; readonly mode: DhcpMode; readonly range: string };
  /** Seconds an unknown or unservable machine waits before it asks /boot again. */
  readonly retrySeconds?: number;
  /** First UDP port of multicast sessions (each uses two); default 9000. */
  readonly multicastPortbase?: number;
  /** How long a live install may stay silent before it is ended as failed. */
  readonly installTimeouts?: InstallTimeouts;
  /** At most this many discovered records. */
  readonly maxDiscovered?: number;
  /** /boot requests one source address may make per second. */
  readonly bootRatePerSecond?: number;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly rsyncd: RsyncdSupervisor;
  readonly dnsmasq: DnsmasqSupervisor | undefined;
  readonly url: string;
  /** Changes what a reload may change, for the requests and sweeps that follow. */
  retune(settings: ReloadableSettings): void;
  close(): Promise<void>;
}

/** Start the management server: rsync daemon first, then HTTP. The only place that listens. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  await mkdir(options.home.state, { recursive: true, mode: 0o700 });
  const releaseLock = acquireServeLock(path.join(options.home.state, "serve.lock"));
  try {
    return await startLocked(options, releaseLock);
  } catch (error) {
    releaseLock();
    throw error;
  }
}

async function startLocked(options: ServeOptions, releaseLock: () => void): Promise<RunningServer> {
  const serverKey = await loadOrCreateServerKey(path.join(options.home.state, "server.key"));
  const signingKey = await loadOrCreateSigningKey(signingKeyFile(options.home.state));
  const postscriptDirs = postscriptDirsOf(options.home);
  const rsyncd = new RsyncdSupervisor({
    dir: path.join(options.home.state, "serve", "rsyncd"),
    address: options.host,
    port: options.rsyncPort,
    images: options.home.images,
    overrides: options.home.overrides,
    postscriptDirs,
    maxConnections: options.maxConnections,
    serverKey,
    store: options.store,
    signal: options.signal,
    log: options.log,
  });
  await rsyncd.start();
  let dnsmasq: DnsmasqSupervisor | undefined;
  if (options.dhcp) {
    dnsmasq = new DnsmasqSupervisor({
      // Under /run, not the home: dnsmasq drops root and must still reach its TFTP root and host entries,
      // whatever the permissions of the directories above SYSCLONE_HOME.
      dir: path.join("/run", "sysclone", `dnsmasq-${createHash("sha256").update(options.home.home).digest("hex").slice(0, 12)}`),
      interface: options.dhcp.interface,
      mode: options.dhcp.mode,
      range: options.dhcp.range,
      serverUrl: options.url,
      ipxeDir: "/usr/lib/ipxe",
      store: options.store,
      signal: options.signal,
      log: options.log,
    });
    try {
      await dnsmasq.start();
    } catch (error) {
      await dnsmasq.stop();
      await rsyncd.stop();
      throw error;
    }
  }
  const senders = new AbortController();
  options.signal.addEventListener("abort", () => senders.abort(), { once: true });
  const senderAddress = new URL(options.url).hostname;
  const multicast = isIP(senderAddress) === 4
    ? new MulticastSessions({
        interfaceAddress: senderAddress, basePort: options.multicastPortbase ?? 9000, rendezvousAddress: "239.255.42.42",
        repository: options.repository, store: options.store, signal: senders.signal, log: options.log,
      })
    : undefined;
  if (!multicast) options.log(`multicast is off: the server URL's host ${senderAddress} is not an IPv4 address`);
  // Read at each request and sweep, so that retune (systemctl reload) reaches them without a restart.
  const live = {
    retrySeconds: options.retrySeconds ?? DEFAULT_RETRY_SECONDS,
    maxDiscovered: options.maxDiscovered ?? DEFAULT_MAX_DISCOVERED,
    timeouts: options.installTimeouts ?? DEFAULT_INSTALL_TIMEOUTS,
  };
  const deps: InstallDeps = {
    ...(multicast ? { multicast: multicast.join } : {}),
    store: options.store,
    repository: options.repository,
    home: options.home,
    serverUrl: options.url,
    rsyncPort: options.rsyncPort,
    serverKey,
    signingKey,
    postscriptDirs,
    consoleTail: (node) => consoleTail(options.home.state, node),
    onInstallsChanged: () => rsyncd.reconfigure(),
    get retrySeconds() { return live.retrySeconds; },
    get maxDiscovered() { return live.maxDiscovered; },
    ...(options.bootRatePerSecond !== undefined ? { bootRatePerSecond: options.bootRatePerSecond } : {}),
  };
  const app = await buildServer(deps, { logger: options.logRequests ?? false });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await dnsmasq?.stop();
    await rsyncd.stop();
    throw error;
  }
  options.store.setSetting("server_url", options.url);
  options.store.setSetting("rsync_port", String(options.rsyncPort));
  const housekeeping = new AbortController();
  startHousekeeping({
    store: options.store,
    get timeouts() { return live.timeouts; },
    reconfigure: () => rsyncd.reconfigure(),
    log: options.log,
    signal: housekeeping.signal,
    consoleTail: (node) => consoleTail(options.home.state, node),
  });
  // Installing nodes with mgt=ipmi: their serial consoles to var/logs/NODE/console.log while they install.
  const consoles = startConsoleRecorders({ store: options.store, stateDir: options.home.state, log: options.log, signal: housekeeping.signal });
  return {
    app,
    rsyncd,
    dnsmasq,
    url: options.url,
    retune(settings) {
      live.retrySeconds = settings.retrySeconds;
      live.maxDiscovered = settings.maxDiscovered;
      live.timeouts = { issuedSeconds: settings.tokenTtl, plannedSeconds: settings.installTimeout };
    },
    async close() {
      housekeeping.abort();
      await consoles.stop();
      await app.close();
      senders.abort();
      await multicast?.closed();
      await dnsmasq?.stop();
      await rsyncd.stop();
      releaseLock();
    },
  };
}
