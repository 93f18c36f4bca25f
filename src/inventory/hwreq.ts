import { SyscloneError } from "../errors/errors.js";
import { formatBytes } from "../format/bytes.js";
import type { Inventory } from "../plan/model.js";
import { candidateDisks } from "../plan/candidates.js";

/**
 * Hardware requirements (`hwreq` on an osimage, a group or a node): `mem>=64G,cpus>=16,disks>=2,disk0>=480GB,nicspeed>=10000`.
 * Sizes: K M G T are powers of 1024, KB MB GB TB powers of 1000 (what a disk's label says), no suffix is bytes.
 */
export type HwreqKey = "mem" | "cpus" | "disks" | "nics" | "nicspeed" | "firmware" | `disk${number}`;
export type HwreqOp = ">=" | "<=" | ">" | "<" | "=" | "!=";

export interface HwreqRule {
  /** The rule as written, e.g. mem>=64G. */
  readonly text: string;
  readonly key: HwreqKey;
  readonly op: HwreqOp;
  /** Bytes for mem and diskN, a count for cpus/disks/nics, Mbit/s for nicspeed; firmware: uefi or bios. */
  readonly value: number | "uefi" | "bios";
}

export interface UnmetRule {
  readonly rule: HwreqRule;
  /** What the machine has, in words: "1.0 GiB (1073741824 bytes)", "no disk1". */
  readonly found: string;
  /** Where the rule came from: osimage NAME, group NAME or node NAME. */
  readonly source?: string;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
const SIZE_KEYS = /^(mem|disk\d{1,2})$/;
const COUNT_KEYS = new Set(["cpus", "disks", "nics", "nicspeed"]);
const RULE = /^([a-z]+\d*)\s*(>=|<=|!=|==|=|>|<)\s*(.*)$/;

function bad(text: string, rule: string, index: number, why: string): SyscloneError {
  return new SyscloneError("BAD_HWREQ", `hwreq ${JSON.stringify(text)}: rule ${index + 1} (${JSON.stringify(rule)}): ${why}`, {
    hint: "write rules like mem>=64G,cpus>=16,disks>=2,disk0>=480GB,nicspeed>=10000,firmware=uefi (keys: mem, cpus, disks, diskN, nics, nicspeed, firmware)",
  });
}

function parseRule(text: string, raw: string, index: number): HwreqRule {
  const rule = raw.trim();
  if (rule === "") throw bad(text, raw, index, "empty rule (two commas in a row, or a comma at an end)");
  const match = RULE.exec(rule);
  if (!match) throw bad(text, rule, index, "not KEY OP VALUE with OP one of >= <= > < = !=");
  const [, key = "", opText = "", valueText = ""] = match;
  const op = (opText === "==" ? "=" : opText) as HwreqOp;
  const value = valueText.trim();
  if (key === "firmware") {
    if (op !== "=" && op !== "!=") throw bad(text, rule, index, "firmware takes = or != only");
    if (value !== "uefi" && value !== "bios") throw bad(text, rule, index, `firmware is uefi or bios, not ${JSON.stringify(value)}`);
    return { text: rule, key, op, value };
  }
  if (SIZE_KEYS.test(key)) {
    const size = /^(\d{1,15}(?:\.\d{1,6})?)([KMGT]B?|)$/i.exec(value);
    if (!size) throw bad(text, rule, index, `${JSON.stringify(value)} is not a size (e.g. 64G, 480GB, 512M)`);
    const bytes = Math.round(Number(size[1]) * (SIZE_UNITS[(size[2] ?? "").toUpperCase()] ?? 1));
    if (!Number.isSafeInteger(bytes)) throw bad(text, rule, index, `${JSON.stringify(value)} is too large`);
    return { text: rule, key: key as HwreqKey, op, value: bytes };
  }
  if (COUNT_KEYS.has(key)) {
    if (!/^\d{1,9}$/.test(value)) throw bad(text, rule, index, `${JSON.stringify(value)} is not a whole number`);
    return { text: rule, key: key as HwreqKey, op, value: Number(value) };
  }
  throw bad(text, rule, index, `unknown key ${JSON.stringify(key)}`);
}

/** A hwreq attribute's rules; an empty text has none. Pure: accepts or throws SyscloneError BAD_HWREQ saying where. */
export function parseHwreq(text: string): HwreqRule[] {
  if (text.trim() === "") return [];
  if (text.length > 2000) throw new SyscloneError("BAD_HWREQ", `hwreq is ${text.length} characters long; at most 2000`, { hint: "keep the rules that matter" });
  return text.split(",").map((raw, index) => parseRule(text, raw, index));
}

/** The rules written back in one normal form (what chdef stores). */
export function formatHwreq(rules: readonly HwreqRule[]): string {
  return rules.map((r) => r.text.replace(/\s+/g, "").replace("==", "=")).join(",");
}

function compare(found: number | string, op: HwreqOp, wanted: number | string): boolean {
  switch (op) {
    case ">=": return found >= wanted;
    case "<=": return found <= wanted;
    case ">": return found > wanted;
    case "<": return found < wanted;
    case "=": return found === wanted;
    case "!=": return found !== wanted;
  }
}

const bytesText = (bytes: number): string => `${formatBytes(bytes)} (${bytes} bytes)`;

/** What the inventory has for a rule's key, or a sentence when it has nothing to compare. */
function measure(rule: HwreqRule, inventory: Inventory): { value: number | string; text: string } | { missing: string } {
  const disks = candidateDisks(inventory);
  switch (rule.key) {
    case "mem":
      return inventory.memoryBytes === undefined ? { missing: "memory not reported" } : { value: inventory.memoryBytes, text: bytesText(inventory.memoryBytes) };
    case "cpus":
      return inventory.cpu === undefined ? { missing: "CPUs not reported" } : { value: inventory.cpu.count, text: String(inventory.cpu.count) };
    case "disks":
      return { value: disks.length, text: `${disks.length}${disks.length > 0 ? ` (${disks.map((d) => d.name).join(", ")})` : ""}` };
    case "nics":
      return { value: inventory.nics.length, text: String(inventory.nics.length) };
    case "nicspeed": {
      const speeds = inventory.nics.filter((n) => n.link !== false && n.speedMbps !== undefined).map((n) => n.speedMbps ?? 0);
      if (speeds.length === 0) return { value: 0, text: "no NIC with a link reporting its speed" };
      const best = Math.max(...speeds);
      return { value: best, text: `${best} Mbit/s at best` };
    }
    case "firmware":
      return { value: inventory.firmware, text: inventory.firmware };
    default: {
      const index = Number(rule.key.slice(4));
      const disk = disks[index];
      return disk === undefined ? { missing: `no ${rule.key} (${disks.length} disk(s))` } : { value: disk.sizeBytes, text: `${disk.name} ${bytesText(disk.sizeBytes)}` };
    }
  }
}

/** Every rule the machine does not meet, with what it has; empty when it is fit. */
export function unmetRules(rules: readonly HwreqRule[], inventory: Inventory, source?: string): UnmetRule[] {
  return rules.flatMap((rule): UnmetRule[] => {
    const found = measure(rule, inventory);
    const from = source === undefined ? {} : { source };
    if ("missing" in found) return [{ rule, found: found.missing, ...from }];
    return compare(found.value, rule.op, rule.value) ? [] : [{ rule, found: found.text, ...from }];
  });
}

/** The one-line refusal: every unmet rule with the value found. */
export function describeUnmet(node: string, unmet: readonly UnmetRule[]): string {
  return `${node} does not meet its hardware requirements: ${unmet.map((u) => `${u.rule.text} (found ${u.found}${u.source ? `; from ${u.source}` : ""})`).join("; ")}`;
}

/** Checks every applicable set of rules (osimage, each group, node: all must hold); throws HWREQ_UNMET listing each unmet rule. */
export function checkHwreq(node: string, sets: readonly { readonly source: string; readonly rules: readonly HwreqRule[] }[], inventory: Inventory): void {
  const unmet = sets.flatMap((set) => unmetRules(set.rules, inventory, set.source));
  if (unmet.length === 0) return;
  throw new SyscloneError("HWREQ_UNMET", describeUnmet(node, unmet), {
    hint: "nothing was written: give the machine what it lacks, or change hwreq on the osimage, group or node (lsdef shows it)",
    details: { unmet: unmet.map((u) => ({ rule: u.rule.text, found: u.found, ...(u.source ? { source: u.source } : {}) })) },
  });
}
