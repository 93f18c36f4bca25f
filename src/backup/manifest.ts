import { badBackup, isPlainMemberName } from "./tar.js";

export const MANIFEST_NAME = "manifest.json";
export const BACKUP_FORMAT = "sysclone-backup";
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupMember {
  /** Relative to the home: var/sysclone.db, var/ssh/id_ed25519 … */
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly formatVersion: number;
  readonly sysclone: string;
  /** The database's user_version. */
  readonly schema: number;
  readonly createdAt: string;
  readonly members: readonly BackupMember[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const wholeNumber = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

function member(value: unknown): BackupMember {
  if (!isRecord(value)) throw badBackup("a manifest member is not an object");
  const { path, size, mode, sha256 } = value;
  if (typeof path !== "string" || !isPlainMemberName(path) || !path.startsWith("var/")) throw badBackup(`the manifest names ${JSON.stringify(path)}, not a file under var/`);
  if (!wholeNumber(size)) throw badBackup(`${path}: size is not a whole number`);
  if (!wholeNumber(mode) || mode > 0o777) throw badBackup(`${path}: mode is not a file mode`);
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) throw badBackup(`${path}: sha256 is not 64 hex digits`);
  return { path, size, mode, sha256 };
}

/** The manifest as read from a backup: every field checked, or BAD_BACKUP saying which. */
export function parseManifest(text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badBackup("its manifest is not JSON");
  }
  if (!isRecord(value) || value["format"] !== BACKUP_FORMAT) throw badBackup(`its manifest is not of format ${BACKUP_FORMAT}`);
  const { formatVersion, sysclone, schema, createdAt, members } = value;
  if (formatVersion !== BACKUP_FORMAT_VERSION) throw badBackup(`manifest format version ${JSON.stringify(formatVersion)}; this sysclone reads ${BACKUP_FORMAT_VERSION}`);
  if (typeof sysclone !== "string" || sysclone.length > 100) throw badBackup("the manifest has no sysclone version");
  if (!wholeNumber(schema) || schema < 1) throw badBackup("the manifest has no schema version");
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) throw badBackup("the manifest has no time of creation");
  if (!Array.isArray(members)) throw badBackup("the manifest has no member list");
  const list = members.map(member);
  const paths = new Set(list.map((m) => m.path));
  if (paths.size !== list.length) throw badBackup("the manifest names a member twice");
  if (!paths.has("var/sysclone.db")) throw badBackup("the manifest has no database");
  return { format: BACKUP_FORMAT, formatVersion, sysclone, schema, createdAt, members: list };
}

export function manifestText(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
