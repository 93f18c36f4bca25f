import Database from "better-sqlite3";
import { SyscloneError } from "../errors/errors.js";
import { schemas, type Attributes, type ObjectType } from "../objects/schema.js";
import { isVarAttribute, varKeyOf, varsFromColumn, varsOf } from "../objects/vars.js";
import type { EventQuery, NewEvent, StoredEventKind } from "./event-kinds.js";
import { InstallTable } from "./installs.js";
import { UserTable } from "./users.js";
import { AuditTable } from "./audit.js";
import { InventoryTable } from "./inventories.js";
import { prepareDatabaseFile, tightenDatabaseFiles } from "./private-files.js";
import { newestVersion, refuseNewer, upgradeDatabase, userVersion } from "./upgrade.js";
import { summarize, type DatabaseSummary } from "./inspect.js";
import path from "node:path";
import { isSealed, SecretBox } from "./secret-box.js";
import { SECRET_MASK } from "../objects/secret-mask.js";

export interface ImageVersionRecord {
  readonly osimage: string;
  readonly version: number;
  readonly sourceNode: string;
  readonly capturedAt: string;
  readonly kernel: string;
  readonly sizeBytes: number;
  readonly fileCount: number;
  readonly newBytes: number;
  readonly manifestSha256: string;
}

export interface EventRecord {
  readonly id: number;
  readonly at: string;
  readonly kind: StoredEventKind;
  readonly node: string;
  readonly osimage: string;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

const tables: Record<ObjectType, string> = { node: "nodes", group: "groups", osimage: "osimages" };

/** The only importer of better-sqlite3. Column names come from the object schemas, never from input. */
export class Store {
  private readonly db: Database.Database;

  readonly installs: InstallTable;
  readonly users: UserTable;
  readonly audit: AuditTable;
  readonly inventories: InventoryTable;

  /** Seals and opens secret attributes (bmcpassword) with the home's var/secrets.key. */
  readonly secrets: SecretBox;

  private constructor(db: Database.Database, secrets: SecretBox) {
    this.secrets = secrets;
    this.db = db;
    this.installs = new InstallTable(db);
    this.users = new UserTable(db);
    this.audit = new AuditTable(db);
    this.inventories = new InventoryTable(db);
  }

  /** `log` hears of an upgrade (from, to, where the copy of the old database went). */
  static open(file: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Store {
    if (file !== ":memory:") prepareDatabaseFile(file);
    const db = new Database(file);
    try {
      // A database from a newer sysclone is refused before any pragma or migration writes to it.
      refuseNewer(userVersion(db), newestVersion(), `the database ${file}`);
      db.pragma("journal_mode = WAL");
      // What better-sqlite3 gives a database that already is WAL when opened, made the same for a new one: a
      // commit costs no fsync; a power cut may lose the last commits, never tear them (the WAL is checkpointed with fsync).
      db.pragma("synchronous = NORMAL");
      if (file !== ":memory:") tightenDatabaseFiles(file);
      db.pragma("busy_timeout = 5000");
      db.pragma("foreign_keys = ON");
      const store = new Store(db, new SecretBox(file === ":memory:" ? undefined : path.join(path.dirname(file), "secrets.key")));
      const upgrade = upgradeDatabase(db, file);
      if (upgrade.copy !== undefined) log(`sysclone: database upgraded from schema ${upgrade.from} to ${upgrade.to}; the old one is copied to ${upgrade.copy}`);
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * A secret attribute as written: sealed. The mask (what reads show) keeps the stored value, so an
   * lsdef -z stanza restores without losing it; an already sealed value (a rename) stays as it is.
   */
  private sealSecrets(type: ObjectType, attributes: Attributes): Attributes {
    const out: Attributes = { ...attributes };
    for (const spec of schemas[type]) {
      const value = out[spec.name];
      if (!spec.secret || value === undefined) continue;
      if (value === SECRET_MASK) delete out[spec.name];
      else if (value !== "" && !isSealed(value)) out[spec.name] = this.secrets.seal(value);
    }
    return out;
  }

  /** A secret attribute of one object in clear, for the code that uses it (ipmitool's environment); "" when unset. */
  revealSecret(type: ObjectType, name: string, attribute: string): string {
    if (!schemas[type].some((spec) => spec.secret && spec.name === attribute)) throw new Error(`${type}.${attribute} is not a secret attribute`);
    const row = this.db.prepare(`SELECT ${attribute} AS value FROM ${tables[type]} WHERE name = ?`).get(name) as { value: string } | undefined;
    return row && row.value !== "" ? this.secrets.open(row.value) : "";
  }

  /** chdef -n: the new name keeps the old one's sealed secrets (reads, and so the copied attributes, carry only the mask). */
  copySecrets(type: ObjectType, from: string, to: string): void {
    for (const spec of schemas[type]) {
      if (!spec.secret) continue;
      this.db.prepare(`UPDATE ${tables[type]} SET ${spec.name} = (SELECT ${spec.name} FROM ${tables[type]} WHERE name = ?) WHERE name = ?`).run(from, to);
    }
  }

  /** Each object's sealed secrets as one string: what changes when a secret changes, though reads show only the mask. */
  secretStamps(type: ObjectType): Map<string, string> {
    const columns = schemas[type].filter((spec) => spec.secret).map((spec) => spec.name);
    if (columns.length === 0) return new Map();
    const rows = this.db.prepare(`SELECT name, ${columns.join(" || ' ' || ")} AS stamp FROM ${tables[type]}`).all() as { name: string; stamp: string }[];
    return new Map(rows.map((row) => [row.name, row.stamp]));
  }

  close(): void {
    this.db.close();
  }

  /** A consistent copy of the database at `file` by SQLite's online backup, while others keep using it. */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  /**
   * A database file read without changing it (no migration, no write): its schema, soundness and row
   * counts. Not opened read-only: a read-only connection to a WAL database leaves -wal and -shm files
   * behind, where the last ordinary connection to close removes them.
   */
  static inspect(file: string): DatabaseSummary {
    const db = new Database(file, { fileMustExist: true });
    try {
      return summarize(db);
    } finally {
      db.close();
    }
  }

  setting(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM settings WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /**
   * BEGIN IMMEDIATE: a read-then-write transaction takes the write lock before it reads, so a
   * concurrent writer (serve and a CLI command) makes it wait instead of failing with SQLITE_BUSY_SNAPSHOT.
   */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /** Changes whenever another connection (a CLI command beside serve) commits: serve polls it to notice their changes. */
  dataVersion(): number {
    return this.statement("PRAGMA data_version").pluck().get() as number;
  }

  private readonly columnLists = new Map<ObjectType, string[]>();

  /** The type's attribute columns, computed once: listObjects picks them for every row. */
  private columns(type: ObjectType): string[] {
    let list = this.columnLists.get(type);
    if (list === undefined) {
      list = schemas[type].map((spec) => spec.name);
      this.columnLists.set(type, list);
    }
    return list;
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, kept: /boot and nodeset run the same few thousands of times (SQL text comes from code, never input). */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      if (this.statements.size >= 500) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private readonly nodeWatchers = new Set<(name: string) => void>();

  /** Hears the name of every node this connection creates, changes or removes (other connections: dataVersion). */
  watchNodes(listener: (name: string) => void): () => void {
    this.nodeWatchers.add(listener);
    return () => this.nodeWatchers.delete(listener);
  }

  private noteNodeWrite(type: ObjectType, name: string): void {
    if (type === "node") for (const listener of this.nodeWatchers) listener(name);
  }

  getObject(type: ObjectType, name: string): Attributes | undefined {
    const row = this.statement(`SELECT * FROM ${tables[type]} WHERE name = ?`).get(name) as Record<string, string> | undefined;
    return row ? this.pick(type, row) : undefined;
  }

  requireObject(type: ObjectType, name: string): Attributes {
    const found = this.getObject(type, name);
    if (!found) {
      throw new SyscloneError("UNKNOWN_OBJECT", `no ${type} named "${name}"`, { hint: `define it first: mkdef -t ${type} ${name} attr=value…` });
    }
    return found;
  }

  listNames(type: ObjectType): string[] {
    return (this.db.prepare(`SELECT name FROM ${tables[type]} ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  }

  listObjects(type: ObjectType): { name: string; attributes: Attributes }[] {
    return this.objectsOf(type, this.db.prepare(`SELECT * FROM ${tables[type]} ORDER BY name`).all() as Record<string, string>[]);
  }

  /**
   * Nodes with a BMC of their own, one of these destinies and one of these states: the few rows serve's
   * console recorders poll every few seconds (reading a fleet's every node there blocked /boot for tens of ms).
   */
  listNodesWithBmc(destinies: readonly string[], states: readonly string[]): { name: string; attributes: Attributes }[] {
    const marks = (values: readonly string[]): string => values.map(() => "?").join(", ");
    const sql = `SELECT * FROM ${tables.node} WHERE bmc != '' AND destiny IN (${marks(destinies)}) AND state IN (${marks(states)}) ORDER BY name`;
    return this.objectsOf("node", this.statement(sql).all(...destinies, ...states) as Record<string, string>[]);
  }

  private objectsOf(type: ObjectType, rows: Record<string, string>[]): { name: string; attributes: Attributes }[] {
    return rows.map((row) => ({ name: row["name"] ?? "", attributes: this.pick(type, row) }));
  }

  private pick(type: ObjectType, row: Record<string, string>): Attributes {
    const out: Attributes = {};
    for (const column of this.columns(type)) out[column] = String(row[column] ?? "");
    for (const spec of schemas[type]) if (spec.secret && out[spec.name]) out[spec.name] = SECRET_MASK;
    return { ...out, ...varsFromColumn(row["vars"]) };
  }

  createObject(type: ObjectType, name: string, given: Attributes): void {
    const attributes = this.sealSecrets(type, given);
    const now = new Date().toISOString();
    const names = Object.keys(attributes).filter((key) => this.columns(type).includes(key));
    for (const key of Object.keys(attributes)) if (isVarAttribute(key)) varKeyOf(key, type);
    const columnList = ["name", ...names, "vars", "created_at", "updated_at"];
    const sql = `INSERT INTO ${tables[type]} (${columnList.join(", ")}) VALUES (${columnList.map(() => "?").join(", ")})`;
    this.noteIdentityWrite(type);
    this.noteNodeWrite(type, name);
    try {
      this.statement(sql).run(name, ...names.map((key) => attributes[key]), JSON.stringify(varsOf(attributes)), now, now);
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new SyscloneError("ALREADY_EXISTS", `${type} "${name}" already exists`, { hint: `change it with chdef -t ${type} ${name} attr=value` });
      }
      throw error;
    }
  }

  private identityWrites = 0;

  /**
   * Changes whenever a node's identity (mac, uuid, serial, discovered or not, existence) may have
   * changed, through this connection or any other: caches of who is who key on it.
   */
  identityStamp(): string {
    return `${String(this.dataVersion())}:${this.identityWrites}`;
  }

  private noteIdentityWrite(type: ObjectType, attributes?: Attributes): void {
    if (type !== "node") return;
    if (attributes === undefined || ["mac", "uuid", "serial"].some((key) => key in attributes) || attributes["state"] === "discovered") this.identityWrites++;
  }

  updateObject(type: ObjectType, name: string, given: Attributes): void {
    const attributes = this.sealSecrets(type, given);
    const names = Object.keys(attributes).filter((key) => this.columns(type).includes(key));
    const vars = Object.entries(attributes).filter(([key]) => isVarAttribute(key));
    if (names.length === 0 && vars.length === 0) return;
    this.noteIdentityWrite(type, attributes);
    this.noteNodeWrite(type, name);
    // vars.KEY: set or (empty value) removed inside the row's JSON; keys reach SQL only as bound JSON paths.
    let varsExpression = "vars";
    const varsParameters: string[] = [];
    for (const [key, value] of vars) {
      const jsonPath = `$."${varKeyOf(key, type)}"`;
      varsExpression = value === "" ? `json_remove(${varsExpression}, ?)` : `json_set(${varsExpression}, ?, ?)`;
      varsParameters.push(jsonPath, ...(value === "" ? [] : [value]));
    }
    const assignments = [...names.map((key) => `${key} = ?`), ...(vars.length > 0 ? [`vars = ${varsExpression}`] : [])];
    const sql = `UPDATE ${tables[type]} SET ${assignments.join(", ")}, updated_at = ? WHERE name = ?`;
    const result = this.statement(sql).run(...names.map((key) => attributes[key]), ...varsParameters, new Date().toISOString(), name);
    if (result.changes === 0) this.requireObject(type, name);
  }

  deleteObject(type: ObjectType, name: string): boolean {
    this.noteIdentityWrite(type);
    this.noteNodeWrite(type, name);
    return this.statement(`DELETE FROM ${tables[type]} WHERE name = ?`).run(name).changes > 0;
  }

  /** Group names defined explicitly or named in any node's groups. */
  allGroupNames(): string[] {
    const names = new Set(this.listNames("group"));
    for (const { attributes } of this.listObjects("node")) {
      for (const group of (attributes["groups"] ?? "").split(",")) if (group) names.add(group);
    }
    return [...names].sort();
  }

  groupMembers(group: string): string[] | undefined {
    const rows = this.db.prepare("SELECT name, groups FROM nodes ORDER BY name").all() as { name: string; groups: string }[];
    const members = rows.filter((row) => row.groups.split(",").includes(group)).map((row) => row.name);
    if (members.length > 0) return members;
    return this.getObject("group", group) ? [] : undefined;
  }

  addImageVersion(record: ImageVersionRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO image_versions (osimage, version, source_node, captured_at, kernel, size_bytes, file_count, new_bytes, manifest_sha256)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(record.osimage, record.version, record.sourceNode, record.capturedAt, record.kernel, record.sizeBytes, record.fileCount, record.newBytes, record.manifestSha256);
  }

  imageVersions(osimage: string): ImageVersionRecord[] {
    const rows = this.db.prepare("SELECT * FROM image_versions WHERE osimage = ? ORDER BY version").all(osimage) as Record<string, string | number>[];
    return rows.map((row) => ({
      osimage: String(row["osimage"]),
      version: Number(row["version"]),
      sourceNode: String(row["source_node"]),
      capturedAt: String(row["captured_at"]),
      kernel: String(row["kernel"]),
      sizeBytes: Number(row["size_bytes"]),
      fileCount: Number(row["file_count"]),
      newBytes: Number(row["new_bytes"]),
      manifestSha256: String(row["manifest_sha256"]),
    }));
  }

  deleteImageVersion(osimage: string, version?: number): void {
    if (version === undefined) this.db.prepare("DELETE FROM image_versions WHERE osimage = ?").run(osimage);
    else this.db.prepare("DELETE FROM image_versions WHERE osimage = ? AND version = ?").run(osimage, version);
  }

  addEvent(event: NewEvent): void {
    this.statement("INSERT INTO events (at, kind, node, osimage, message, data) VALUES (?, ?, ?, ?, ?, ?)")
      .run(new Date().toISOString(), event.kind, event.node ?? "", event.osimage ?? "", event.message, JSON.stringify(event.data ?? {}));
  }

  /** Event retention: drops events older than `before`, and the oldest beyond the newest `keep`. Returns how many went. */
  pruneEvents(before: string, keep: number): number {
    return this.transaction(() => {
      const old = this.db.prepare("DELETE FROM events WHERE at < ?").run(before).changes;
      const excess = this.db.prepare("DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)").run(keep).changes;
      return old + excess;
    });
  }

  /**
   * The newest events first (at most `limit`, default 100), or with `after` the ones after that id,
   * oldest first, so a reader can follow the log by passing the last id it saw.
   */
  events(query: EventQuery = {}): EventRecord[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (query.after !== undefined) {
      where.push("id > ?");
      values.push(query.after);
    }
    if (query.node !== undefined) {
      where.push("node = ?");
      values.push(query.node);
    }
    if (query.kind !== undefined) {
      where.push("kind = ?");
      values.push(query.kind);
    }
    const sql = `SELECT * FROM events${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${query.after === undefined ? "DESC" : "ASC"} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...values, query.limit ?? 100) as Record<string, string | number>[];
    return rows.map((row) => ({
      id: Number(row["id"]),
      at: String(row["at"]),
      kind: String(row["kind"]),
      node: String(row["node"]),
      osimage: String(row["osimage"]),
      message: String(row["message"]),
      data: JSON.parse(String(row["data"])) as Record<string, unknown>,
    }));
  }
}
