import type Database from "better-sqlite3";

export type InventorySource = "install" | "shell" | "discovery";

export interface InventoryRecord {
  readonly id: number;
  readonly node: string;
  readonly takenAt: string;
  readonly source: InventorySource;
  /** The install the inventory was taken for (0: a shell or discovery boot). */
  readonly installId: number;
  /** The inventory as the node reported it (JSON of src/plan/model.ts Inventory). */
  readonly inventory: string;
}

/** Every inventory a node reported: per node and per install, so a change of hardware since the last install shows. */
export class InventoryTable {
  constructor(private readonly db: Database.Database) {}

  record(node: string, source: InventorySource, inventory: string, installId = 0): number {
    return Number(
      this.db.prepare("INSERT INTO inventories (node, taken_at, source, install_id, inventory) VALUES (?, ?, ?, ?, ?)").run(node, new Date().toISOString(), source, installId, inventory).lastInsertRowid,
    );
  }

  latest(node: string): InventoryRecord | undefined {
    const row = this.db.prepare("SELECT * FROM inventories WHERE node = ? ORDER BY id DESC LIMIT 1").get(node) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The machine as it booted for this install (before its pre-install scripts). */
  ofInstall(installId: number): InventoryRecord | undefined {
    const row = this.db.prepare("SELECT * FROM inventories WHERE install_id = ? ORDER BY id LIMIT 1").get(installId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The inventory of the node's last finished install before `beforeId` (an inventory id; default: any). */
  lastInstalled(node: string, beforeId = Number.MAX_SAFE_INTEGER): InventoryRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT inventories.* FROM inventories JOIN installs ON installs.id = inventories.install_id
         WHERE inventories.node = ? AND installs.state = 'finished' AND inventories.id < ? ORDER BY inventories.id DESC LIMIT 1`,
      )
      .get(node, beforeId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Every node's newest inventory, by node name. */
  latestAll(): Map<string, InventoryRecord> {
    const rows = this.db.prepare("SELECT * FROM inventories WHERE id IN (SELECT MAX(id) FROM inventories GROUP BY node)").all() as Row[];
    return new Map(rows.map((row) => [String(row["node"]), toRecord(row)]));
  }

  /** A renamed node keeps its history; a removed one loses it. */
  rename(from: string, to: string): void {
    this.db.prepare("UPDATE inventories SET node = ? WHERE node = ?").run(to, from);
  }

  forget(node: string): void {
    this.db.prepare("DELETE FROM inventories WHERE node = ?").run(node);
  }
}

type Row = Record<string, string | number>;

function toRecord(row: Row): InventoryRecord {
  return {
    id: Number(row["id"]),
    node: String(row["node"]),
    takenAt: String(row["taken_at"]),
    source: String(row["source"]) as InventorySource,
    installId: Number(row["install_id"]),
    inventory: String(row["inventory"]),
  };
}
