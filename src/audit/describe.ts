import type { AuditRecord, AuditState } from "../store/audit.js";

function shown(value: string | undefined): string {
  return JSON.stringify(value ?? "");
}

/** What changed, on one line: created (its non-empty attributes), removed, or each attribute old → new. */
export function describeChange(before: AuditState, after: AuditState): string {
  if (before === null && after === null) return "no change recorded";
  if (before === null) {
    const set = Object.entries(after ?? {}).filter(([, value]) => value !== "");
    return `created${set.length > 0 ? ` with ${set.map(([key, value]) => `${key}=${shown(value)}`).join(", ")}` : ""}`;
  }
  if (after === null) return "removed";
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]);
  if (keys.length === 0) return "no change";
  return keys.map((key) => `${key}: ${shown(before[key])} → ${shown(after[key])}`).join(", ");
}

/** One audit record on one line: when, who, via what and from where, what was done to which object, before → after. */
export function formatAuditLine(record: AuditRecord): string {
  // "user add alice", "token revoke 7", but "mkdef node n01".
  const object = record.action.startsWith(`${record.type} `) || record.name === "" ? record.name : `${record.type} ${record.name}`;
  return `${record.at}  ${record.actor} via ${record.via} from ${record.from}  ${[record.action, object].filter((part) => part !== "").join(" ")}: ${describeChange(record.before, record.after)}`;
}
