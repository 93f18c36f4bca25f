import { SyscloneError } from "../errors/errors.js";

/**
 * The little of POSIX ustar a backup needs: regular files under short relative names. Written and
 * read here rather than by GNU tar so that a restore can refuse, before it writes a byte, any member
 * that is not a plain file at a plain path (links, devices, `..`, absolute names). GNU tar reads
 * what this writes (`tar -tvf`).
 */
export const BLOCK = 512;

export interface TarEntry {
  readonly name: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: number;
}

/** A member name a backup may hold: relative, `/`-separated, no empty, `.` or `..` part, plain characters. */
export function isPlainMemberName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  return name.split("/").every((part) => part !== "" && part !== "." && part !== ".." && /^[A-Za-z0-9._+@=-]+$/.test(part));
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** The one refusal of a file that is not a whole sysclone backup. */
export function badBackup(why: string): SyscloneError {
  return new SyscloneError("BAD_BACKUP", `not a sysclone backup: ${why}`, { hint: "give the file `sysclone backup` wrote, whole and unchanged" });
}

/** Splits a name over ustar's prefix (155) and name (100) fields at a `/`. */
function splitName(name: string): { prefix: string; rest: string } {
  if (name.length <= 100) return { prefix: "", rest: name };
  for (let at = name.indexOf("/"); at >= 0; at = name.indexOf("/", at + 1)) {
    if (at <= 155 && name.length - at - 1 <= 100) return { prefix: name.slice(0, at), rest: name.slice(at + 1) };
  }
  throw new SyscloneError("INTERNAL", `the member name ${JSON.stringify(name)} is too long for a tar header`, { hint: "this is a bug in sysclone; please report it" });
}

export function tarHeader(entry: TarEntry): Buffer {
  if (!isPlainMemberName(entry.name)) throw new SyscloneError("INTERNAL", `${JSON.stringify(entry.name)} is not a plain member name`, { hint: "this is a bug in sysclone; please report it" });
  const block = Buffer.alloc(BLOCK);
  const { prefix, rest } = splitName(entry.name);
  block.write(rest, 0, "ascii");
  block.write(octal(entry.mode & 0o7777, 8), 100, "ascii");
  block.write(octal(0, 8), 108, "ascii");
  block.write(octal(0, 8), 116, "ascii");
  block.write(octal(entry.size, 12), 124, "ascii");
  block.write(octal(Math.max(0, Math.floor(entry.mtime)), 12), 136, "ascii");
  block.write("0", 156, "ascii");
  block.write("ustar\0" + "00", 257, "ascii");
  block.write("root", 265, "ascii");
  block.write("root", 297, "ascii");
  block.write(prefix, 345, "ascii");
  block.write("        ", 148, "ascii");
  block.write(octal(checksum(block), 7) + " ", 148, "ascii");
  return block;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  return sum;
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("latin1");
}

function octalField(block: Buffer, start: number, length: number, what: string): number {
  const text = field(block, start, length).trim();
  if (!/^[0-7]{1,12}$/.test(text)) throw badBackup(`a header's ${what} is not an octal number`);
  return parseInt(text, 8);
}

/** One 512-byte header: an entry, or "end" for the zero block that closes the archive. Anything else is BAD_BACKUP. */
export function parseTarHeader(block: Buffer): TarEntry | "end" {
  if (block.length !== BLOCK) throw badBackup("it ends inside a header");
  if (block.every((byte) => byte === 0)) return "end";
  if (octalField(block, 148, 8, "checksum") !== checksum(block)) throw badBackup("a header's checksum does not match (the file is damaged)");
  if (field(block, 257, 6) !== "ustar") throw badBackup("a header is not ustar");
  const type = field(block, 156, 1);
  const prefix = field(block, 345, 155);
  const name = prefix === "" ? field(block, 0, 100) : `${prefix}/${field(block, 0, 100)}`;
  if (type !== "0" && type !== "") throw badBackup(`${JSON.stringify(name)} is not a regular file`);
  if (!isPlainMemberName(name)) throw badBackup(`the member name ${JSON.stringify(name)} is not a plain relative path`);
  return { name, size: octalField(block, 124, 12, "size"), mode: octalField(block, 100, 8, "mode") & 0o777, mtime: octalField(block, 136, 12, "time") };
}

/** Zero bytes that pad a member's data to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
