import type Database from "better-sqlite3";

export type AuditVia = "cli" | "api";

/** A snapshot of what an object looked like, or null where it did not exist. */
export type AuditState = Readonly<Record<string, string>> | null;

export interface AuditEntry {
  readonly actor: string;
  readonly via: AuditVia;
  /** Where the change came from: a client's address, or "local" for the CLI. */
  readonly from: string;
  /** The command or route: mkdef, chdef, nodeset, user add … */
  readonly action: string;
  readonly type: string;
  readonly name: string;
  readonly before: AuditState;
  readonly after: AuditState;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: string;
}

export interface AuditFilter {
  readonly type?: string;
  /** Only these objects (of `type`). */
  readonly names?: readonly string[];
  readonly actor?: string;
  /** Records with a larger id (to follow the log): the oldest `limit` of them. */
  readonly after?: number;
  /** At most this many: the newest, or with `after` the next; listed oldest first. */
  readonly limit?: number;
}

/** The audit log: append-only, one row per object changed. */
export class AuditTable {
  constructor(private readonly db: Database.Database) {}

  add(entry: AuditEntry, at = new Date().toISOString()): number {
    return Number(
      this.db
        .prepare("INSERT INTO audit (at, actor, via, address, action, object_type, object_name, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(at, entry.actor, entry.via, entry.from, entry.action, entry.type, entry.name, JSON.stringify(entry.before), JSON.stringify(entry.after)).lastInsertRowid,
    );
  }

  list(filter: AuditFilter = {}): AuditRecord[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.type !== undefined) {
      where.push("object_type = ?");
      params.push(filter.type);
    }
    if (filter.names !== undefined) {
      if (filter.names.length === 0) return [];
      // json_each keeps the statement one shape whatever the number of names.
      where.push("object_name IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(filter.names));
    }
    if (filter.actor !== undefined) {
      where.push("actor = ?");
      params.push(filter.actor);
    }
    if (filter.after !== undefined) {
      where.push("id > ?");
      params.push(filter.after);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    // Following (after): the next records; otherwise the newest. Either way listed oldest first.
    const order = filter.after === undefined ? "DESC" : "ASC";
    const rows = this.db.prepare(`SELECT * FROM audit ${clause} ORDER BY id ${order} LIMIT ?`).all(...params, filter.limit ?? -1) as Record<string, string | number>[];
    return (order === "DESC" ? rows.reverse() : rows).map(toRecord);
  }
}

function toRecord(row: Record<string, string | number>): AuditRecord {
  return {
    id: Number(row["id"]),
    at: String(row["at"]),
    actor: String(row["actor"]),
    via: String(row["via"]) as AuditVia,
    from: String(row["address"]),
    action: String(row["action"]),
    type: String(row["object_type"]),
    name: String(row["object_name"]),
    before: JSON.parse(String(row["before_json"])) as AuditState,
    after: JSON.parse(String(row["after_json"])) as AuditState,
  };
}
