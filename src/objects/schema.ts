import { isIP } from "node:net";
import { SyscloneError } from "../errors/errors.js";
import { isValidNodeName } from "../noderange/noderange.js";
import { isHostName } from "../format/host-name.js";
import { hasControlCharacter, quoteInput } from "./quote.js";
import { SEALED_PREFIX } from "./secret-mask.js";
import { formatHwreq, parseHwreq } from "../inventory/hwreq.js";
import { MAX_VAR_VALUE, isVarAttribute, varKeyOf } from "./vars.js";

export const objectTypes = ["node", "group", "osimage"] as const;
export type ObjectType = (typeof objectTypes)[number];

type AttributeKind = "text" | "integer" | "list";

export interface AttributeSpec {
  readonly name: string;
  readonly kind: AttributeKind;
  readonly description: string;
  /** Set by sysclone itself; chdef refuses it. */
  readonly readOnly?: boolean;
  readonly defaultValue?: string;
  /** A secret: sealed in the database, shown as ******** (src/objects/secret-mask.ts), never in clear outside the code that uses it. */
  readonly secret?: boolean;
  /** Returns the normalised value or throws a message. */
  readonly normalise?: (value: string) => string;
}

export type Attributes = Record<string, string>;

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function listOf(check: (item: string) => string): (value: string) => string {
  return (value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "")
      .map(check)
      .join(",");
}

/** aa:bb:cc:dd:ee:ff, with dashes, or as 12 hex digits (xcatstanzafile(5) writes MAC=A2E26002C003). */
const normaliseMac = (mac: string): string => {
  const lower = mac.toLowerCase().replace(/-/g, ":");
  const colons = /^[0-9a-f]{12}$/.test(lower) ? (lower.match(/../g) ?? []).join(":") : lower;
  if (!MAC.test(colons)) throw new Error(`${quoteInput(mac)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return colons;
};
const normaliseName = (name: string): string => {
  if (!isValidNodeName(name)) throw new Error(`${quoteInput(name)} is not a valid name (letters, digits, . _ -)`);
  return name;
};
/** A host name reaches dnsmasq's host entries, /etc/hostname and /etc/hosts, where a space or comma would do harm. */
const hostName = (value: string): string => {
  if (value !== "" && !isHostName(value)) throw new Error(`${quoteInput(value)} is not a host name (RFC 1123: letters, digits and inner hyphens, dot-separated)`);
  return value;
};

const ipAddress = (value: string): string => {
  if (isIP(value) === 0) throw new Error(`${quoteInput(value)} is not an IP address`);
  return value;
};
const integerBetween = (min: number, max: number) => (value: string): string => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new Error(`${quoteInput(value)} is not a whole number from ${min} to ${max}`);
  return String(Number(value));
};
/** Checked when set (chdef, mkdef): a bad rule is refused with BAD_HWREQ saying which rule and why. */
const hwreq = (value: string): string => formatHwreq(parseHwreq(value));
const hwreqDescription = "hardware requirements checked before a byte is written, e.g. mem>=64G,cpus>=16,disks>=2,disk0>=480GB,nicspeed>=10000 (every rule of the osimage, the groups and the node must hold)";
const prescriptsDescription = "pre-install scripts (prescripts/ of the home, then sysclone's) run in the initrd before the plan";

/** A BMC: an IP address or a host name. */
const bmcAddress = (value: string): string => {
  if (isIP(value) === 0 && !isHostName(value)) throw new Error(`${quoteInput(value)} is not an IP address or host name`);
  return value;
};
/** IPMI 2.0 user names and passwords are at most 16 and 20 bytes. */
const ipmiText = (max: number) => (value: string): string => {
  if (Buffer.byteLength(value) > max) throw new Error(`is longer than ${max} bytes (IPMI's limit)`);
  if (value.startsWith(SEALED_PREFIX)) throw new Error(`may not begin with ${SEALED_PREFIX}`);
  return value;
};
const oneOf = (...allowed: string[]) => (value: string): string => {
  if (!allowed.includes(value)) throw new Error(`${quoteInput(value)} is not one of ${allowed.join(", ")}`);
  return value;
};

export const schemas: Record<ObjectType, readonly AttributeSpec[]> = {
  node: [
    { name: "groups", kind: "list", description: "groups the node belongs to", normalise: listOf(normaliseName) },
    { name: "mac", kind: "list", description: "MAC addresses", normalise: listOf(normaliseMac) },
    {
      name: "uuid", kind: "text", description: "DMI system UUID",
      normalise: (v) => { const u = v.toLowerCase(); if (!UUID.test(u)) throw new Error(`${quoteInput(v)} is not a UUID`); return u; },
    },
    { name: "serial", kind: "text", description: "DMI serial number" },
    { name: "ip", kind: "text", description: "address the server reaches the node at", normalise: ipAddress },
    { name: "hostname", kind: "text", description: "host name given to the clone (RFC 1123: labels of letters, digits and inner hyphens)", normalise: hostName },
    { name: "sshuser", kind: "text", description: "SSH user for capture and updatenode", defaultValue: "root", normalise: normaliseName },
    { name: "sshport", kind: "integer", description: "SSH port", defaultValue: "22", normalise: integerBetween(1, 65535) },
    { name: "osimage", kind: "text", description: "image the node is cloned from", normalise: normaliseName },
    { name: "postscripts", kind: "list", description: "postscripts run after cloning", normalise: listOf(normaliseName) },
    { name: "prescripts", kind: "list", description: prescriptsDescription, normalise: listOf(normaliseName) },
    { name: "hwreq", kind: "text", description: hwreqDescription, normalise: hwreq },
    { name: "hostkey", kind: "text", description: "pinned SSH host key (type base64); empty to pin anew on next connect" },
    { name: "netmask", kind: "text", description: "netmask of the node's own address (update_network)", normalise: ipAddress },
    { name: "gateway", kind: "text", description: "default gateway (update_network)", normalise: ipAddress },
    { name: "nameservers", kind: "list", description: "DNS servers (update_network)", normalise: listOf(ipAddress) },
    { name: "nicmode", kind: "text", description: "network of the clone: dhcp, or static with ip/netmask/gateway", normalise: oneOf("dhcp", "static") },
    { name: "allowsmaller", kind: "text", description: "accept a disk smaller than the golden one if the image fits", defaultValue: "no", normalise: oneOf("yes", "no") },
    { name: "finalaction", kind: "text", description: "what a node does after cloning", defaultValue: "reboot", normalise: oneOf("reboot", "poweroff", "none") },
    { name: "keep", kind: "list", description: "paths updatenode -S never overwrites or deletes on this node, beyond the defaults (rsync patterns)" },
    { name: "transport", kind: "text", description: "clone transport for this node, over its groups' and its osimage's", normalise: oneOf("rsync", "archive", "multicast") },
    { name: "state", kind: "text", description: "provisioning state", readOnly: true, defaultValue: "defined" },
    { name: "destiny", kind: "text", description: "what the next boot does (set by nodeset)", readOnly: true },
    { name: "phase", kind: "text", description: "clone phase last reported", readOnly: true },
    { name: "percent", kind: "text", description: "clone progress last reported", readOnly: true },
    { name: "bytes", kind: "text", description: "bytes copied, last reported", readOnly: true },
    { name: "lasterror", kind: "text", description: "why the last clone failed", readOnly: true },
    { name: "mcastsession", kind: "text", description: "multicast session the last clone received from", readOnly: true },
    { name: "mcastrate", kind: "text", description: "bytes per second the last multicast receive ran at", readOnly: true },
    { name: "mcastretransmits", kind: "text", description: "retransmitted slices of the node's last multicast session", readOnly: true },
    { name: "imageversion", kind: "text", description: "osimage version the node runs (set by the clone and by updatenode -S)", readOnly: true },
    { name: "bootedat", kind: "text", description: "when the clone's first boot from its own disk reported in", readOnly: true },
    { name: "osimagepin", kind: "text", description: "osimage version an install uses, as NAME@N (set by nodeset osimage=NAME@N, cleared by nodeset osimage=NAME); empty: the image's current version", readOnly: true },
    { name: "protected", kind: "text", description: "yes: nodeset refuses the node unless an admin forces it (say why in protectreason)", normalise: oneOf("yes", "no") },
    { name: "protectreason", kind: "text", description: "why the node is protected, shown when nodeset refuses it" },
    { name: "mgt", kind: "text", description: "how rpower, rsetboot, rinstall and rcons reach the node: ipmi (its BMC) or none; empty: its groups'", normalise: oneOf("ipmi", "none") },
    { name: "bmc", kind: "text", description: "address of the node's BMC (IP address or host name)", normalise: bmcAddress },
    { name: "bmcport", kind: "integer", description: "UDP port of the BMC's IPMI LAN interface", defaultValue: "623", normalise: integerBetween(1, 65535) },
    { name: "bmcusername", kind: "text", description: "IPMI user on the BMC; empty: its groups'", normalise: ipmiText(16) },
    { name: "bmcpassword", kind: "text", description: "IPMI password; a secret: stored encrypted, shown as ********; bmcpassword=- reads it from stdin; empty: its groups'", secret: true, normalise: ipmiText(20) },
    { name: "bmccipher", kind: "integer", description: "IPMI 2.0 cipher suite (ipmitool -C); empty: its groups', else 3", normalise: integerBetween(0, 17) },
  ],
  group: [
    { name: "priority", kind: "integer", description: "override priority (lower wins)", defaultValue: "50", normalise: integerBetween(0, 1_000_000) },
    { name: "osimage", kind: "text", description: "image for the group's nodes", normalise: normaliseName },
    { name: "postscripts", kind: "list", description: "postscripts for the group's nodes", normalise: listOf(normaliseName) },
    { name: "prescripts", kind: "list", description: prescriptsDescription, normalise: listOf(normaliseName) },
    { name: "hwreq", kind: "text", description: hwreqDescription, normalise: hwreq },
    { name: "transport", kind: "text", description: "clone transport for the group's nodes, over their osimage's", normalise: oneOf("rsync", "archive", "multicast") },
    { name: "protected", kind: "text", description: "yes: nodeset refuses the group's nodes unless an admin forces it (say why in protectreason)", normalise: oneOf("yes", "no") },
    { name: "protectreason", kind: "text", description: "why the group is protected, shown when nodeset refuses its nodes" },
    { name: "mgt", kind: "text", description: "power and console management of the group's nodes: ipmi or none", normalise: oneOf("ipmi", "none") },
    { name: "bmcusername", kind: "text", description: "IPMI user on the group's nodes' BMCs", normalise: ipmiText(16) },
    { name: "bmcpassword", kind: "text", description: "IPMI password of the group's nodes' BMCs (a secret, as the node's)", secret: true, normalise: ipmiText(20) },
    { name: "bmccipher", kind: "integer", description: "IPMI 2.0 cipher suite for the group's nodes' BMCs", normalise: integerBetween(0, 17) },
  ],
  osimage: [
    { name: "provmethod", kind: "text", description: "provisioning method", defaultValue: "sysclone", normalise: oneOf("sysclone") },
    { name: "sourcenode", kind: "text", description: "golden client last captured", readOnly: true },
    { name: "currentversion", kind: "integer", description: "version the image's current points at", readOnly: true },
    { name: "retain", kind: "integer", description: "versions kept after a capture", defaultValue: "3", normalise: integerBetween(1, 1000) },
    { name: "exclude", kind: "list", description: "extra paths excluded from capture (rsync patterns)" },
    { name: "postscripts", kind: "list", description: "postscripts run after cloning", normalise: listOf(normaliseName) },
    { name: "prescripts", kind: "list", description: prescriptsDescription, normalise: listOf(normaliseName) },
    { name: "hwreq", kind: "text", description: hwreqDescription, normalise: hwreq },
    { name: "transport", kind: "text", description: "clone transport", defaultValue: "rsync", normalise: oneOf("rsync", "archive", "multicast") },
    { name: "allowsmaller", kind: "text", description: "accept target disks smaller than the golden one if the image fits", defaultValue: "no", normalise: oneOf("yes", "no") },
    { name: "verify", kind: "text", description: "clones check every file against the manifest", defaultValue: "yes", normalise: oneOf("yes", "no") },
    { name: "mcastminreceivers", kind: "integer", description: "multicast: receivers a session waits for (default: the nodes installing this image)", normalise: integerBetween(1, 100_000) },
    { name: "mcastmaxwait", kind: "integer", description: "multicast: seconds a session waits for its receivers before it starts", defaultValue: "30", normalise: integerBetween(1, 86_400) },
    { name: "mcastfallback", kind: "integer", description: "multicast: seconds a late node waits for the next session before it uses rsync", defaultValue: "120", normalise: integerBetween(0, 86_400) },
    { name: "mcastrate", kind: "text", description: "multicast: udp-sender --max-bitrate (e.g. 400m); empty: no cap", normalise: (v) => { if (!/^\d+[kmg]?$/i.test(v)) throw new Error(`${quoteInput(v)} is not a bit rate like 400m`); return v.toLowerCase(); } },
    { name: "synclist", kind: "text", description: "file of `src -> dest` lines updatenode -F copies (default images/<osimage>.synclist)" },
    { name: "keep", kind: "list", description: "paths updatenode -S never overwrites or deletes on this image's nodes, beyond the defaults" },
    { name: "description", kind: "text", description: "free text" },
  ],
};

/**
 * What lsdef shows beside the stored attributes, computed from other data (src/cli/describe.ts).
 * A stanza being restored may carry them: group members are applied, the others are ignored.
 */
export const derivedAttributes: Record<ObjectType, readonly string[]> = {
  node: [],
  group: ["members"],
  osimage: ["imagedir", "versions", "size", "captured", "kernel"],
};

export function attributeSpec(type: ObjectType, name: string): AttributeSpec | undefined {
  return schemas[type].find((spec) => spec.name === name);
}

export function parseObjectType(text: string | undefined): ObjectType {
  if (text && (objectTypes as readonly string[]).includes(text)) return text as ObjectType;
  throw new SyscloneError("USAGE", `unknown object type ${quoteInput(text ?? "")}`, { hint: `use -t ${objectTypes.join("|")}` });
}

/** Check and normalise attr=value pairs for one object type; empty values clear an attribute. */
export function normaliseAttributes(type: ObjectType, attributes: Attributes, options: { allowReadOnly?: boolean } = {}): Attributes {
  const out: Attributes = {};
  for (const [name, rawValue] of Object.entries(attributes)) {
    if (isVarAttribute(name)) {
      out[name] = normaliseVar(type, name, rawValue);
      continue;
    }
    const spec = attributeSpec(type, name);
    if (!spec) {
      throw new SyscloneError("BAD_ATTRIBUTE", `${type} has no attribute ${quoteInput(name)}`, {
        hint: `known attributes: ${schemas[type].map((s) => s.name).join(", ")}, and free vars.KEY`,
      });
    }
    if (spec.readOnly && !options.allowReadOnly) {
      throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${name} is set by sysclone and cannot be changed by hand`, {
        hint: "only a stanza file being restored (mkdef -z, chdef -z) may carry it",
      });
    }
    const value = rawValue.trim();
    if (hasControlCharacter(value)) {
      throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${name}: ${quoteInput(value)} holds a line break or control character`, { hint: "give the value on one line" });
    }
    if (value === "" || !spec.normalise) {
      out[name] = value;
      continue;
    }
    try {
      out[name] = spec.normalise(value);
    } catch (error) {
      if (error instanceof SyscloneError) throw error;
      throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${name}: ${(error as Error).message}`);
    }
  }
  return out;
}

/** vars.KEY=VALUE: any one-line text of at most MAX_VAR_VALUE characters; empty clears it. */
function normaliseVar(type: ObjectType, name: string, rawValue: string): string {
  varKeyOf(name, type);
  const value = rawValue.trim();
  if (hasControlCharacter(value)) {
    throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${name}: ${quoteInput(value)} holds a line break or control character`, { hint: "give the value on one line" });
  }
  if (value.length > MAX_VAR_VALUE) throw new SyscloneError("BAD_ATTRIBUTE", `${type} attribute ${name}: the value is longer than ${MAX_VAR_VALUE} characters`);
  return value;
}

export function defaults(type: ObjectType): Attributes {
  const out: Attributes = {};
  for (const spec of schemas[type]) if (spec.defaultValue !== undefined) out[spec.name] = spec.defaultValue;
  return out;
}

/** attr=value command-line arguments into a record. */
export function parseAssignments(args: readonly string[]): Attributes {
  return Object.fromEntries(
    args.map((arg) => {
      const eq = arg.indexOf("=");
      if (eq <= 0) throw new SyscloneError("USAGE", `${quoteInput(arg)} is not attr=value`, { hint: "write attributes as name=value, e.g. ip=10.0.0.5" });
      return [arg.slice(0, eq), arg.slice(eq + 1)];
    }),
  );
}
