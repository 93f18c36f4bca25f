/** Which node a booting machine is, from what its firmware reports. Pure. */

export interface KnownMachine {
  readonly name: string;
  readonly macs: readonly string[];
  readonly uuid: string;
  readonly serial: string;
  /** Recorded by discovery rather than defined by a person: loses to a defined node claiming the same identity. */
  readonly discovered: boolean;
}

export interface BootReport {
  readonly macs: readonly string[];
  readonly uuid?: string;
  readonly serial?: string;
}

export type Identification =
  | { readonly kind: "node"; readonly name: string; readonly stale: readonly string[] }
  | { readonly kind: "unknown" }
  | { readonly kind: "conflict"; readonly names: readonly string[] }
  /** A node with MACs of its own claimed by another machine's UUID or serial: two machines share one identity. */
  | { readonly kind: "duplicate"; readonly name: string; readonly via: "uuid" | "serial"; readonly nodeMacs: readonly string[] };

/** Vendor placeholders that many boards report: never an identity. */
const JUNK_UUIDS = new Set(["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "03000200-0400-0500-0006-000700080009"]);
const JUNK_SERIAL = /^(|0+|none|not specified|to be filled by o\.e\.m\.|default string|system serial number|chassis serial number|n\/a|123456789)$/i;

const HEX = "0123456789abcdef";

/** The 12 hex digits of a MAC in any notation, as aa:bb:cc:dd:ee:ff; undefined unless exactly 12 and not all zero. A loop, not regexes: /boot calls it several times a request. */
export function normaliseMac(text: string): string | undefined {
  let out = "";
  let digits = 0;
  let nonZero = false;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 65 && code <= 70) code += 32;
    const value = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (value < 0) continue;
    if (++digits > 12) return undefined;
    if (value !== 0) nonZero = true;
    out += (digits > 1 && digits % 2 === 1 ? ":" : "") + HEX[value];
  }
  return digits === 12 && nonZero ? out : undefined;
}

export function usableUuid(text: string | undefined): string | undefined {
  const uuid = (text ?? "").trim().toLowerCase();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid) && !JUNK_UUIDS.has(uuid) ? uuid : undefined;
}

export function usableSerial(text: string | undefined): string | undefined {
  const serial = (text ?? "").trim();
  return JUNK_SERIAL.test(serial) ? undefined : serial;
}

/**
 * A MAC match decides; without one, the DMI UUID; without that, the serial. Defined nodes win over
 * discovered records (which are then stale); two defined nodes claiming the machine are a conflict.
 * A UUID or serial match on a node that has MACs, none of them this machine's, is a duplicate: two
 * boxes with one identity (boards with copied SMBIOS data), or a changed NIC; either way nobody
 * can tell which box is the node, so neither is installed until a person sets `mac`.
 */
export function identify(machines: readonly KnownMachine[], report: BootReport): Identification {
  const macs = new Set(report.macs.map(normaliseMac).filter((m): m is string => m !== undefined));
  const uuid = usableUuid(report.uuid);
  const serial = usableSerial(report.serial);
  const tiers = [
    { via: "mac", matches: machines.filter((m) => m.macs.some((mac) => macs.has(mac))) },
    { via: "uuid", matches: uuid === undefined ? [] : machines.filter((m) => m.uuid.toLowerCase() === uuid) },
    { via: "serial", matches: serial === undefined ? [] : machines.filter((m) => m.serial === serial) },
  ] as const;
  for (const { via, matches } of tiers) {
    if (matches.length === 0) continue;
    const defined = matches.filter((m) => !m.discovered);
    const winners = defined.length > 0 ? defined : matches;
    const names = [...new Set(winners.map((m) => m.name))].sort();
    if (names.length > 1) return { kind: "conflict", names };
    const winner = winners[0];
    // Past the MAC tier no MAC of this machine is known: a node with MACs of its own is another box.
    if (via !== "mac" && winner && !winner.discovered && winner.macs.length > 0 && macs.size > 0) {
      return { kind: "duplicate", name: winner.name, via, nodeMacs: winner.macs };
    }
    const stale = [...new Set(matches.filter((m) => m.discovered && m.name !== names[0]).map((m) => m.name))].sort();
    return { kind: "node", name: names[0] ?? "", stale };
  }
  return { kind: "unknown" };
}

/** The name a discovered machine is recorded under: from its first MAC. */
export function discoveredName(report: BootReport): string | undefined {
  const mac = report.macs.map(normaliseMac).find((m) => m !== undefined);
  return mac === undefined ? undefined : `discovered-${mac.replace(/:/g, "")}`;
}
