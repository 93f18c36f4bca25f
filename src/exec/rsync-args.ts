/** Pure builders of rsync command lines; the executor only runs what these return. */

export interface CaptureRsyncOptions {
  readonly rshProgram: string;
  readonly host: string;
  readonly sourceRoot: string;
  readonly destination: string;
  readonly linkDest: string | undefined;
  readonly excludes: readonly string[];
  readonly progress: boolean;
  /** Name each file as it lands (--out-format), for hashing while the copy runs. */
  readonly nameEachFile?: boolean;
  /** Remove from the destination what the excludes now leave out (a second pass with other excludes). */
  readonly deleteExcluded?: boolean;
}

/** The prefix of the lines --out-format writes for each file copied; progress2 records never start with it. */
const FILE_LINE = "sysclone-file: ";

export const archiveFlags = ["-aHAXS", "--numeric-ids"] as const;

function withSlash(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

export function captureRsyncArgs(options: CaptureRsyncOptions): string[] {
  return [
    ...archiveFlags,
    "--delete",
    "--protect-args",
    `--rsh=${options.rshProgram}`,
    ...(options.progress ? ["--info=progress2", "--no-inc-recursive"] : []),
    ...(options.nameEachFile ? [`--out-format=${FILE_LINE}%n`] : []),
    ...(options.deleteExcluded ? ["--delete-excluded"] : []),
    ...(options.linkDest ? [`--link-dest=${options.linkDest}`] : []),
    ...options.excludes.map((pattern) => `--exclude=${pattern}`),
    `${options.host}:${withSlash(options.sourceRoot)}`,
    withSlash(options.destination),
  ];
}

/** The path (relative to the destination, rsync-escaped) an --out-format line names, or undefined for other output. */
export function copiedFileName(record: string): string | undefined {
  return record.startsWith(FILE_LINE) ? record.slice(FILE_LINE.length) : undefined;
}

/** rsync exit codes that still mean a complete copy of a live system. */
export function rsyncOutcome(exitCode: number | undefined): "ok" | "vanished" | "failed" {
  if (exitCode === 0) return "ok";
  if (exitCode === 24) return "vanished";
  return "failed";
}

export interface RsyncProgress {
  readonly bytes: number;
  readonly percent: number;
}

/** One --info=progress2 record: "  1,234,567  45%   12.34MB/s    0:00:10 (xfr#12, to-chk=0/100)". */
export function parseProgress2(record: string): RsyncProgress | undefined {
  const match = /^\s*([\d,]+)\s+(\d+)%/.exec(record);
  if (!match) return undefined;
  return { bytes: Number((match[1] ?? "0").replace(/,/g, "")), percent: Number(match[2]) };
}
