import { isIPv4 } from "node:net";
import { DEFAULT_BOOT_RATE, DEFAULT_MAX_DISCOVERED, DEFAULT_RETRY_SECONDS } from "../boot/service.js";
import { DEFAULT_INSTALL_TIMEOUTS } from "../install/service.js";
import { hasControlCharacter, quoteInput } from "../objects/quote.js";

/**
 * `sysclone serve`'s settings, from its flags or from /etc/sysclone/sysclone.conf: one table of keys
 * (a key is a flag's long name), each value checked by the same function for both, and the checks
 * across keys. Pure: the caller reads the file and reports the mistakes.
 */
export const serveKeys = {
  listen: { check: listenValue, reloadable: false },
  url: { check: urlValue, reloadable: false },
  "rsync-port": { check: portValue, reloadable: false },
  "max-connections": { check: countValue, reloadable: false },
  "dhcp-interface": { check: interfaceValue, reloadable: false },
  "dhcp-range": { check: rangeValue, reloadable: false },
  "proxy-dhcp": { check: subnetValue, reloadable: false },
  "retry-seconds": { check: countValue, reloadable: true },
  "mcast-portbase": { check: portValue, reloadable: false },
  "token-ttl": { check: countValue, reloadable: true },
  "install-timeout": { check: countValue, reloadable: true },
  "max-discovered": { check: countValue, reloadable: true },
  "boot-rate": { check: countValue, reloadable: false },
} as const satisfies Record<string, { check: (text: string) => string | undefined; reloadable: boolean }>;

export type ServeKey = keyof typeof serveKeys;
export const SERVE_KEYS = Object.keys(serveKeys) as ServeKey[];

export function isServeKey(key: string): key is ServeKey {
  return Object.hasOwn(serveKeys, key);
}

export interface ServeSettings {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly rsyncPort: number;
  readonly maxConnections: number;
  readonly dhcp?: { readonly interface: string; readonly mode: "full" | "proxy"; readonly range: string };
  readonly retrySeconds: number;
  readonly multicastPortbase: number;
  readonly tokenTtl: number;
  readonly installTimeout: number;
  readonly maxDiscovered: number;
  readonly bootRate: number;
}

/** What `systemctl reload` can change in a running server; everything else needs a restart. */
export type ReloadableSettings = Pick<ServeSettings, "retrySeconds" | "tokenTtl" | "installTimeout" | "maxDiscovered">;

/** A mistake in the settings: what is wrong, and the keys it is about (for the file's line numbers). */
export interface SettingsProblem {
  readonly keys: readonly ServeKey[];
  /** Begins with the key's value when about one value: `"abc" is not …`; the caller puts the key or flag before it. */
  readonly message: string;
}

const MAX_COUNT = 2_147_483_647;

function countValue(text: string): string | undefined {
  return /^\d{1,10}$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_COUNT ? undefined : `is not a positive whole number (1 to ${MAX_COUNT})`;
}

function portValue(text: string): string | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ? undefined : "is not a port (1 to 65535)";
}

function splitListen(text: string): { host: string; port: number } | undefined {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  if (!match || Number(match[2]) > 65535 || Number(match[2]) < 1) return undefined;
  const host = (match[1] ?? "").replace(/^\[(.*)\]$/, "$1");
  return { host: host || "0.0.0.0", port: Number(match[2]) };
}

function listenValue(text: string): string | undefined {
  const split = splitListen(text);
  if (!split || hasControlCharacter(text) || /[\s/]/.test(split.host)) return "is not HOST:PORT (e.g. 10.0.0.1:8080)";
  return undefined;
}

function urlValue(text: string): string | undefined {
  return /^http:\/\/[^/\s?#@]+$/.test(text) && !hasControlCharacter(text) ? undefined : "is not http://ADDRESS[:PORT] (the address nodes reach this server at, no path)";
}

function interfaceValue(text: string): string | undefined {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(text) ? undefined : "is not a network interface name";
}

/** The shape only: whether the addresses make a range is dnsmasq's to say (`dnsmasq --test` at start, exit 49, its own words). */
function rangeValue(text: string): string | undefined {
  const parts = text.split(",");
  return (parts.length === 2 || parts.length === 3) && parts.every((part) => /^[0-9A-Za-z.:]+$/.test(part)) ? undefined : "is not START,END[,NETMASK]";
}

function subnetValue(text: string): string | undefined {
  return isIPv4(text) ? undefined : "is not the subnet's IPv4 address (e.g. 10.0.0.0)";
}

/** Checks every value given and the rules across keys; the settings when nothing is wrong. */
export function serveSettingsFrom(values: Partial<Record<ServeKey, string>>): { settings: ServeSettings } | { problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  for (const key of SERVE_KEYS) {
    const text = values[key];
    if (text === undefined) continue;
    const problem = serveKeys[key].check(text);
    if (problem !== undefined) problems.push({ keys: [key], message: `${quoteInput(text)} ${problem}` });
  }
  if (problems.length > 0) return { problems };
  const { host, port } = splitListen(values.listen ?? "0.0.0.0:8080") ?? { host: "0.0.0.0", port: 8080 };
  const unspecified = host === "0.0.0.0" || host === "::";
  const url = values.url ?? (unspecified ? undefined : `http://${host.includes(":") ? `[${host}]` : host}:${port}`);
  if (url === undefined) problems.push({ keys: ["url", "listen"], message: "serve needs the address nodes reach it at: set url to http://ADDRESS:PORT, or listen on that address" });
  const dhcpInterface = values["dhcp-interface"];
  const range = values["dhcp-range"];
  const proxy = values["proxy-dhcp"];
  if (range !== undefined && proxy !== undefined) problems.push({ keys: ["dhcp-range", "proxy-dhcp"], message: "dhcp-range (full DHCP) and proxy-dhcp (beside the site's DHCP server) exclude each other" });
  else if ((dhcpInterface === undefined) !== (range === undefined && proxy === undefined)) {
    problems.push({ keys: ["dhcp-interface", "dhcp-range", "proxy-dhcp"], message: "dhcp-interface goes with dhcp-range or proxy-dhcp" });
  }
  if (problems.length > 0 || url === undefined) return { problems };
  const count = (key: ServeKey, fallback: number): number => Number(values[key] ?? fallback);
  const dhcpRange = range ?? proxy;
  return {
    settings: {
      host,
      port,
      url,
      rsyncPort: count("rsync-port", 8873),
      maxConnections: count("max-connections", 16),
      ...(dhcpInterface !== undefined && dhcpRange !== undefined ? { dhcp: { interface: dhcpInterface, mode: proxy !== undefined ? "proxy" : "full", range: dhcpRange } } : {}),
      retrySeconds: count("retry-seconds", DEFAULT_RETRY_SECONDS),
      multicastPortbase: count("mcast-portbase", 9000),
      tokenTtl: count("token-ttl", DEFAULT_INSTALL_TIMEOUTS.issuedSeconds),
      installTimeout: count("install-timeout", DEFAULT_INSTALL_TIMEOUTS.plannedSeconds),
      maxDiscovered: count("max-discovered", DEFAULT_MAX_DISCOVERED),
      bootRate: count("boot-rate", DEFAULT_BOOT_RATE),
    },
  };
}

export interface ConfigEntry {
  readonly key: ServeKey;
  readonly value: string;
  readonly line: number;
}

/**
 * The config file's text → its entries, or one line per mistake (`FILE:LINE: what`). `KEY = VALUE`
 * per line; blank lines and lines starting with # are ignored, and so is ` # …` after a value.
 */
export function parseServeConfig(text: string, file: string): { entries: ConfigEntry[]; mistakes: string[] } {
  const entries: ConfigEntry[] = [];
  const mistakes: string[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.replace(/\r$/, "").trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const match = /^([^=\s]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) {
      mistakes.push(`${file}:${line}: ${quoteInput(trimmed)} is not KEY = VALUE`);
      return;
    }
    const key = match[1] ?? "";
    const value = (match[2] ?? "").replace(/(^|\s+)#.*$/, "").trim();
    if (!isServeKey(key)) {
      mistakes.push(`${file}:${line}: unknown key ${quoteInput(key)}${suggestion(key)}`);
      return;
    }
    const earlier = entries.find((entry) => entry.key === key);
    if (earlier) mistakes.push(`${file}:${line}: ${key} is set again (first on line ${earlier.line}); keep one`);
    else if (value === "") mistakes.push(`${file}:${line}: ${key} has no value; give one or remove the line`);
    else entries.push({ key, value, line });
  });
  return { entries, mistakes };
}

function suggestion(key: string): string {
  const dashed = key.toLowerCase().replace(/_/g, "-");
  if (isServeKey(dashed)) return ` (did you mean ${dashed}?)`;
  return `; the keys are ${SERVE_KEYS.join(", ")}`;
}

/**
 * The config file and the command line's flags (which win) → the settings, or one line per
 * mistake, each saying where: `FILE:LINE: key …` for the file, `--flag …` for a flag.
 */
export function settingsFromSources(fileText: string | undefined, file: string, flags: Partial<Record<ServeKey, string>>): { settings: ServeSettings } | { mistakes: string[]; inFile: boolean } {
  const lineOf = new Map<ServeKey, number>();
  const values: Partial<Record<ServeKey, string>> = {};
  if (fileText !== undefined) {
    const parsed = parseServeConfig(fileText, file);
    if (parsed.mistakes.length > 0) {
      // The lines that did read are checked too, so that one start shows every mistake.
      const bad = parsed.entries.flatMap((entry) => {
        const problem = serveKeys[entry.key].check(entry.value);
        return problem === undefined ? [] : [{ line: entry.line, text: `${file}:${entry.line}: ${entry.key} ${quoteInput(entry.value)} ${problem}` }];
      });
      const lineNumber = (mistake: string): number => Number(/:(\d+): /.exec(mistake.slice(file.length))?.[1] ?? 0);
      return { mistakes: [...parsed.mistakes, ...bad.map((b) => b.text)].sort((a, b) => lineNumber(a) - lineNumber(b)), inFile: true };
    }
    for (const entry of parsed.entries) {
      values[entry.key] = entry.value;
      lineOf.set(entry.key, entry.line);
    }
  }
  for (const key of SERVE_KEYS) {
    const flag = flags[key];
    if (flag === undefined) continue;
    values[key] = flag;
    lineOf.delete(key);
  }
  const result = serveSettingsFrom(values);
  if ("settings" in result) return result;
  const fromFile = (problem: SettingsProblem): boolean => fileText !== undefined && (problem.keys.some((key) => lineOf.has(key)) || problem.keys.every((key) => values[key] === undefined));
  return {
    inFile: result.problems.some(fromFile),
    mistakes: result.problems.map((problem) => {
      const given = problem.keys.filter((key) => values[key] !== undefined);
      if (problem.keys.length === 1 && given[0] !== undefined) {
        const key = given[0];
        const line = lineOf.get(key);
        return line === undefined ? `--${key} ${problem.message}` : `${file}:${line}: ${key} ${problem.message}`;
      }
      const lines = given.map((key) => lineOf.get(key)).filter((line) => line !== undefined);
      const where = lines.length > 0 ? `${file}:${Math.min(...lines)}` : fileText !== undefined ? file : "";
      return where === "" ? problem.message : `${where}: ${problem.message}`;
    }),
  };
}

/** What a reload changes: the reloadable settings, and the keys whose change waits for a restart. */
export function reloadPlan(current: ServeSettings, next: ServeSettings): { changes: string[]; needRestart: string[]; reloadable: ReloadableSettings } {
  const fields: Record<ServeKey, (s: ServeSettings) => string> = {
    listen: (s) => `${s.host}:${s.port}`,
    url: (s) => s.url,
    "rsync-port": (s) => String(s.rsyncPort),
    "max-connections": (s) => String(s.maxConnections),
    "dhcp-interface": (s) => s.dhcp?.interface ?? "",
    "dhcp-range": (s) => (s.dhcp?.mode === "full" ? s.dhcp.range : ""),
    "proxy-dhcp": (s) => (s.dhcp?.mode === "proxy" ? s.dhcp.range : ""),
    "retry-seconds": (s) => String(s.retrySeconds),
    "mcast-portbase": (s) => String(s.multicastPortbase),
    "token-ttl": (s) => String(s.tokenTtl),
    "install-timeout": (s) => String(s.installTimeout),
    "max-discovered": (s) => String(s.maxDiscovered),
    "boot-rate": (s) => String(s.bootRate),
  };
  const changes: string[] = [];
  const needRestart: string[] = [];
  for (const key of SERVE_KEYS) {
    const before = fields[key](current);
    const after = fields[key](next);
    if (before === after) continue;
    (serveKeys[key].reloadable ? changes : needRestart).push(`${key} ${before || "(unset)"} -> ${after || "(unset)"}`);
  }
  return {
    changes,
    needRestart,
    reloadable: { retrySeconds: next.retrySeconds, tokenTtl: next.tokenTtl, installTimeout: next.installTimeout, maxDiscovered: next.maxDiscovered },
  };
}
