import type Database from "better-sqlite3";

export type InstallState = "issued" | "planned" | "finished" | "failed" | "revoked";

export interface InstallRecord {
  readonly id: number;
  readonly node: string;
  readonly tokenSha256: string;
  readonly state: InstallState;
  readonly osimage: string;
  readonly version: number;
  readonly issuedAt: string;
  readonly updatedAt: string;
  readonly inventory: string;
  readonly plan: string;
  readonly script: string;
  /** sha256 of the single-use credential the clone's first boot reports `booted` with; empty once used. */
  readonly firstbootSha256: string;
  /** The address the token was issued to (or first used from): the only one it works from. Empty until bound. */
  readonly address: string;
}

/** Whether an install's token still works: issued or planned, not yet finished, failed or revoked. */
export function isLive(install: InstallRecord): boolean {
  return install.state === "issued" || install.state === "planned";
}

/** Installs: one row per boot token. A token is live while its install is issued or planned. */
export class InstallTable {
  constructor(private readonly db: Database.Database) {}

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, kept: every /boot of an installing node issues a token. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Revokes the node's earlier live tokens: only the newest boot may install. `address` binds the token to its requester. */
  issue(node: string, tokenSha256: string, address = ""): number {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      this.sql("UPDATE installs SET state = 'revoked', updated_at = ? WHERE node = ? AND state IN ('issued', 'planned')").run(now, node);
      return Number(
        this.sql("INSERT INTO installs (node, token_sha256, state, issued_at, updated_at, address) VALUES (?, ?, 'issued', ?, ?, ?)").run(node, tokenSha256, now, now, address).lastInsertRowid,
      );
    }).immediate();
  }

  /** Binds a token issued without an address (sysclone bootargs) to the address it is first used from. */
  bind(id: number, address: string): void {
    this.sql("UPDATE installs SET address = ? WHERE id = ? AND address = ''").run(address, id);
  }

  /** Notes that the install is alive (a call from its node); an install silent for too long is ended by expireStale. */
  touch(id: number): void {
    this.sql("UPDATE installs SET updated_at = ? WHERE id = ?").run(new Date().toISOString(), id);
  }

  /** Live installs last heard from before these times: issued ones (no inventory yet) and planned ones (no progress). */
  stale(issuedBefore: string, plannedBefore: string): InstallRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM installs WHERE (state = 'issued' AND updated_at < ?) OR (state = 'planned' AND updated_at < ?) ORDER BY id")
      .all(issuedBefore, plannedBefore) as Record<string, string | number>[];
    return rows.map(toRecord);
  }

  byToken(tokenSha256: string): InstallRecord | undefined {
    const row = this.sql("SELECT * FROM installs WHERE token_sha256 = ?").get(tokenSha256) as Record<string, string | number> | undefined;
    return row ? toRecord(row) : undefined;
  }

  live(): InstallRecord[] {
    return (this.sql("SELECT * FROM installs WHERE state IN ('issued', 'planned') ORDER BY id").all() as Record<string, string | number>[]).map(toRecord);
  }

  latest(node: string): InstallRecord | undefined {
    const row = this.sql("SELECT * FROM installs WHERE node = ? ORDER BY id DESC LIMIT 1").get(node) as Record<string, string | number> | undefined;
    return row ? toRecord(row) : undefined;
  }

  planned(id: number, fields: { osimage: string; version: number; inventory: string; plan: string; script: string }): void {
    this.db
      .prepare("UPDATE installs SET state = 'planned', osimage = ?, version = ?, inventory = ?, plan = ?, script = ?, updated_at = ? WHERE id = ?")
      .run(fields.osimage, fields.version, fields.inventory, fields.plan, fields.script, new Date().toISOString(), id);
  }

  /** The first-boot credential of an install; a new one replaces the old. */
  setFirstboot(id: number, sha256: string): void {
    this.sql("UPDATE installs SET firstboot_sha256 = ?, updated_at = ? WHERE id = ?").run(sha256, new Date().toISOString(), id);
  }

  end(id: number, state: "finished" | "failed" | "revoked"): void {
    this.sql("UPDATE installs SET state = ?, updated_at = ? WHERE id = ?").run(state, new Date().toISOString(), id);
  }
}

function toRecord(row: Record<string, string | number>): InstallRecord {
  return {
    id: Number(row["id"]),
    node: String(row["node"]),
    tokenSha256: String(row["token_sha256"]),
    state: String(row["state"]) as InstallState,
    osimage: String(row["osimage"]),
    version: Number(row["version"]),
    issuedAt: String(row["issued_at"]),
    updatedAt: String(row["updated_at"]),
    inventory: String(row["inventory"]),
    plan: String(row["plan"]),
    script: String(row["script"]),
    firstbootSha256: String(row["firstboot_sha256"] ?? ""),
    address: String(row["address"] ?? ""),
  };
}
