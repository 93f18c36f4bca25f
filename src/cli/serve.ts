import { readFile } from "node:fs/promises";
import { startServer, type RunningServer } from "../../server/main.js";
import { reloadPlan, SERVE_KEYS, settingsFromSources, type ServeKey, type ServeSettings } from "../config/serve-config.js";
import { SyscloneError } from "../errors/errors.js";
import { stringValue, type Command, type CommandDeps, type ParsedArgs } from "./command.js";

const settingOptions = Object.fromEntries(SERVE_KEYS.map((key) => [key, { type: "string" as const }])) as Record<ServeKey, { type: "string" }>;

async function readConfig(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new SyscloneError("BAD_CONFIG", `cannot read the config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: "give the path of a readable file (the package installs /etc/sysclone/sysclone.conf)" });
  }
}

/** The settings from --config FILE (if given) and the flags, which win; every mistake on a line of its own, then the error. */
async function settingsOf(args: ParsedArgs, deps: CommandDeps): Promise<ServeSettings> {
  const file = stringValue(args, "config");
  const flags: Partial<Record<ServeKey, string>> = {};
  for (const key of SERVE_KEYS) {
    const value = stringValue(args, key);
    if (value !== undefined) flags[key] = value;
  }
  const result = settingsFromSources(file === undefined ? undefined : await readConfig(file), file ?? "", flags);
  if ("settings" in result) return result.settings;
  const code = result.inFile ? "BAD_CONFIG" : "USAGE";
  const hint = result.inFile ? `fix ${file ?? ""} (sysclone serve --config ${file ?? ""} --check checks it), then start again` : `usage: ${serve.usage}`;
  const errors = result.mistakes.map((mistake) => new SyscloneError(code, mistake));
  for (const error of errors.slice(0, -1)) deps.out.error(error);
  throw new SyscloneError(code, result.mistakes[result.mistakes.length - 1] ?? "bad settings", { hint });
}

/** `systemctl reload` (SIGHUP): the file again; what can change now changes, the rest is named for a restart, a bad file changes nothing. */
async function reload(args: ParsedArgs, deps: CommandDeps, current: ServeSettings, server: RunningServer): Promise<ServeSettings> {
  const file = stringValue(args, "config") ?? "";
  let next: ServeSettings;
  try {
    next = await settingsOf(args, { ...deps, out: { ...deps.out, error: (error) => deps.out.line(`reload refused: ${error.message}`) } });
  } catch (error) {
    deps.out.line(`reload refused: ${error instanceof Error ? error.message : String(error)}; still running with the settings of the last start or reload`);
    return current;
  }
  const plan = reloadPlan(current, next);
  server.retune(plan.reloadable);
  deps.out.line(`reloaded ${file}: ${plan.changes.length > 0 ? plan.changes.join(", ") : "nothing that a reload changes has changed"}`);
  if (plan.needRestart.length > 0) deps.out.line(`reload: ${plan.needRestart.join(", ")} take effect when the server restarts (systemctl restart sysclone)`);
  return { ...current, ...plan.reloadable };
}

export const serve: Command = {
  name: "serve",
  summary: "run the management server (install API and rsync daemon) until stopped",
  usage: "sysclone serve [--config FILE [--check]] [--listen HOST:PORT] [--url http://ADDRESS:PORT] [--rsync-port N] [--max-connections N] [--dhcp-interface IF --dhcp-range START,END[,NETMASK] | --dhcp-interface IF --proxy-dhcp SUBNET] [--retry-seconds 30] [--mcast-portbase 9000] [--token-ttl 600] [--install-timeout 3600] [--max-discovered 1000] [--boot-rate 5]",
  options: {
    config: { type: "string" },
    check: { type: "boolean" },
    ...settingOptions,
  },
  description: [
    "Runs the HTTP server (boot scripts, install API, management API, dashboard), the rsync daemon that serves images, and, with a DHCP interface, dnsmasq for DHCP or proxy-DHCP and TFTP of iPXE, until stopped (Ctrl-C, SIGTERM).",
    "The settings come from the flags, or from a config file (--config: KEY = VALUE lines whose keys are these flags without their dashes; a flag given too wins). Every mistake in the file is one line naming the file and the line, and the server does not start. With --config, SIGHUP (systemctl reload sysclone) re-reads the file: retry-seconds, token-ttl, install-timeout and max-discovered change at once; the others are named in the log and take effect on a restart; a bad file changes nothing.",
    "The Debian package runs it as sysclone.service from /etc/sysclone/sysclone.conf.",
  ].join("\n\n"),
  optionHelp: {
    config: "read the settings from FILE (e.g. /etc/sysclone/sysclone.conf); flags given too win",
    check: "check the config file and print the settings it gives, then exit (0: good, 3: mistakes)",
    listen: "address and port of the HTTP server (default 0.0.0.0:8080)",
    url: "the URL nodes reach this server at (default: http://the listen address)",
    "rsync-port": "port of the image rsync daemon (default 8873)",
    "max-connections": "rsync transfers at once (default 16)",
    "dhcp-interface": "run dnsmasq for DHCP and TFTP on this interface",
    "dhcp-range": "full DHCP: the range of addresses for unknown machines",
    "proxy-dhcp": "proxy-DHCP beside the site's DHCP server, on this subnet",
    "retry-seconds": "how long an unknown or unservable machine waits before it asks again (default 30; reloadable)",
    "mcast-portbase": "first UDP port of multicast sessions (default 9000)",
    "token-ttl": "seconds an install token waits for the node's inventory (default 600; reloadable)",
    "install-timeout": "seconds a live install may stay silent before it fails (default 3600; reloadable)",
    "max-discovered": "at most this many discovered records (default 1000; reloadable)",
    "boot-rate": "/boot requests one address may make per second (default 5)",
  },
  examples: ["sysclone serve --listen 10.0.0.1:8080", "sysclone serve --listen 10.0.0.1:8080 --dhcp-interface eth1 --dhcp-range 10.0.0.100,10.0.0.200,255.255.255.0",
    "sysclone serve --listen 10.0.0.1:8080 --dhcp-interface eth1 --proxy-dhcp 10.0.0.0", "sysclone serve --config /etc/sysclone/sysclone.conf --check"],
  async run(args, deps) {
    const file = stringValue(args, "config");
    if (args.values["check"] === true && file === undefined) throw new SyscloneError("USAGE", "--check checks a config file: give it with --config FILE");
    let settings = await settingsOf(args, deps);
    if (args.values["check"] === true) {
      if (deps.out.json) deps.out.data({ config: file, settings });
      else deps.out.line(`${file}: ok (listen ${settings.host}:${settings.port}, url ${settings.url})`);
      return 0;
    }
    const server = await startServer({
      ...(settings.dhcp ? { dhcp: settings.dhcp } : {}),
      retrySeconds: settings.retrySeconds,
      home: deps.home,
      store: deps.store(),
      repository: deps.repository,
      host: settings.host,
      port: settings.port,
      url: settings.url,
      rsyncPort: settings.rsyncPort,
      maxConnections: settings.maxConnections,
      multicastPortbase: settings.multicastPortbase,
      installTimeouts: { issuedSeconds: settings.tokenTtl, plannedSeconds: settings.installTimeout },
      maxDiscovered: settings.maxDiscovered,
      bootRatePerSecond: settings.bootRate,
      signal: deps.signal,
      log: (line) => deps.out.line(line),
    });
    const { url, dhcp } = settings;
    deps.out.line(`serving ${url} (install API) and rsync on port ${settings.rsyncPort}${dhcp ? `, ${dhcp.mode === "proxy" ? "proxy-DHCP" : "DHCP"} and TFTP on ${dhcp.interface}` : ""}${file !== undefined ? ` (settings from ${file})` : ""}; stop with Ctrl-C`);
    deps.out.line(`dashboard at ${url}/, management API at ${url}/api/v1 (docs: ${url}/api/v1/docs)`);
    // Only with a config file is there something to re-read; without one SIGHUP keeps its default (the terminal went away: stop).
    let reloading = Promise.resolve();
    const onHangup = (): void => {
      reloading = reloading.then(async () => {
        settings = await reload(args, deps, settings, server);
      });
    };
    if (file !== undefined) process.on("SIGHUP", onHangup);
    try {
      if (!deps.signal.aborted) await new Promise((resolve) => deps.signal.addEventListener("abort", resolve, { once: true }));
      await reloading;
    } finally {
      process.off("SIGHUP", onHangup);
    }
    await server.close();
    deps.out.line("stopped");
    return 0;
  },
};
