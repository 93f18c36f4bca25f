import type Database from "better-sqlite3";

/** What a database holds, read without changing it. */
export interface DatabaseSummary {
  readonly schema: number;
  /** SQLite's quick_check found nothing wrong. */
  readonly sound: boolean;
  /** Rows per table of what a restore brings back (tables the schema does not have yet count 0). */
  readonly counts: Readonly<Record<"nodes" | "groups" | "osimages" | "image_versions" | "users" | "api_tokens", number>>;
}

const counted = ["nodes", "groups", "osimages", "image_versions", "users", "api_tokens"] as const;

export function summarize(db: Database.Database): DatabaseSummary {
  const schema = db.pragma("user_version", { simple: true }) as number;
  const check = db.pragma("quick_check", { simple: true }) as string;
  const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  const counts = Object.fromEntries(counted.map((table) => [table, present.has(table) ? (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n : 0])) as DatabaseSummary["counts"];
  return { schema, sound: check === "ok", counts };
}
