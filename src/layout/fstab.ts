export interface FstabEntry {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly spec: string;
  readonly file: string;
  readonly vfstype: string;
  readonly options: string;
  readonly dump: number;
  readonly pass: number;
}

/** fstab(5) escapes spaces and the like as octal: \040. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [spec, file, vfstype, options, dump, pass] = line.split(/\s+/);
    if (!spec || !file || !vfstype) return;
    entries.push({
      line: index + 1,
      spec: unescapeOctal(spec),
      file: unescapeOctal(file),
      vfstype,
      options: options ?? "defaults",
      dump: Number(dump ?? 0) || 0,
      pass: Number(pass ?? 0) || 0,
    });
  });
  return entries;
}
