import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { exportClusterXmlFile } from "../../cluster/sync.js";
import { SyscloneError } from "../../errors/errors.js";
import { run } from "../../exec/runner.js";
import { layoutFromFacts } from "../../layout/from-facts.js";
import type { Layout } from "../../layout/model.js";
import { renderLayoutXml } from "../../layout/xml.js";
import type { Store } from "../../store/store.js";
import { buildManifest, readManifest, writeManifest } from "../manifest.js";
import { checkImageName } from "../names.js";
import { reconcileRecords, versionReaders } from "../records.js";
import type { ImageInfo, ImageRepository } from "../repository.js";
import { ImportDevices } from "./devices.js";
import { DISCOVERABLE_ROOT, importFacts, importMounts, importTable, readMethod, type ImportMount, type ImportPartition } from "./disk.js";
import { chooseFormat, isXz, type DiskFormat } from "./source.js";

export interface ImportOptions {
  readonly file: string;
  readonly osimage: string;
  /** -t: checked against what qemu-img finds; undefined: whatever it finds. */
  readonly format: DiskFormat | undefined;
}

export interface ImportDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly clusterXml: string;
  /** A directory for the raw copy and the mount points (under var/, on the repository's filesystem). */
  readonly workDir: string;
  readonly say: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Where an imported version came from: kept in its image.json and in the osimage's description. */
export interface ImportSource {
  readonly file: string;
  readonly sha256: string;
  readonly format: DiskFormat;
  readonly compression: "xz" | "none";
}

export interface ImportResult {
  readonly info: ImageInfo;
  readonly source: ImportSource;
  readonly versionDir: string;
  readonly layout: Layout;
  readonly mounts: readonly { readonly mp: string; readonly partition: number; readonly fs: string }[];
  readonly warnings: readonly string[];
  readonly pruned: readonly number[];
}

const RSYNC_COPY = ["-aHAXS", "--numeric-ids", "--protect-args"] as const;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function firstBytes(file: string, count: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(count);
    const { bytesRead } = await handle.read(buffer, 0, count, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function tool(command: string, args: readonly string[], what: string, signal?: AbortSignal): Promise<string> {
  const result = await run(command, args, signal ? { signal } : {});
  if (signal?.aborted) throw new SyscloneError("IMPORT_FAILED", "imgimport was interrupted; nothing was written to the repository");
  if (result.exitCode !== 0) {
    throw new SyscloneError("IMPORT_FAILED", `${what}: ${command} failed (exit ${result.exitCode ?? result.signal ?? "?"}): ${result.stderrTail.trim().split("\n").slice(-2).join(" | ")}`, { hint: "nothing was written to the repository" });
  }
  return result.stdoutTail;
}

/** The image as one raw disk file: the given file when it is raw, else a converted or decompressed copy in `work`. */
async function rawDisk(options: ImportOptions, work: string, signal?: AbortSignal): Promise<{ raw: string; format: DiskFormat; compression: "xz" | "none" }> {
  let input = options.file;
  let compression: "xz" | "none" = "none";
  if (isXz(await firstBytes(options.file, 8))) {
    // xz writes beside its input: decompress a link to the file inside the work directory.
    const link = path.join(work, "disk.xz");
    await symlink(path.resolve(options.file), link);
    await tool("xz", ["--decompress", "--keep", "--force", "--suffix=.xz", link], `decompressing ${options.file}`, signal);
    input = path.join(work, "disk");
    compression = "xz";
  }
  const info = JSON.parse(await tool("qemu-img", ["info", "--output=json", input], `reading ${options.file}`, signal)) as { format?: string };
  const format = chooseFormat(options.format, info.format ?? "", options.file);
  if (format === "raw") return { raw: input, format, compression };
  const raw = path.join(work, "disk.raw");
  await tool("qemu-img", ["convert", "-f", format, "-O", "raw", input, raw], `converting ${options.file} from ${format}`, signal);
  return { raw, format, compression };
}

/** The image's /etc/fstab, from the first mountable partition that has one (its root). */
async function findFstab(partitions: readonly ImportPartition[], mountOf: (p: ImportPartition) => Promise<string>): Promise<string | undefined> {
  for (const partition of partitions) {
    if (readMethod(partition) !== "mount") continue;
    const fstab = path.join(await mountOf(partition), "etc", "fstab");
    if (existsSync(fstab)) return readFile(fstab, "utf8");
  }
  return undefined;
}

/** The ESP's mount point in an image without fstab: where its root tree has a directory for it. */
function espMountPoint(rootDir: string): string {
  if (existsSync(path.join(rootDir, "boot", "efi"))) return "/boot/efi";
  if (existsSync(path.join(rootDir, "efi"))) return "/efi";
  return "/boot";
}

async function copyVfat(raw: string, offset: number, into: string, signal?: AbortSignal): Promise<void> {
  const env = { ...process.env, MTOOLS_SKIP_CHECK: "1" } as Record<string, string>;
  const image = `${raw}@@${offset}`;
  await mkdir(into, { recursive: true });
  const listing = await run("mdir", ["-b", "-i", image, "::/"], { env, ...(signal ? { signal } : {}) });
  if (listing.exitCode !== 0) throw new SyscloneError("IMPORT_FAILED", `mtools cannot read the vfat filesystem at byte ${offset}: ${listing.stderrTail.trim()}`);
  if (listing.stdoutTail.trim() === "") return;
  const result = await run("mcopy", ["-s", "-p", "-m", "-n", "-Q", "-i", image, "::/*", `${into}/`], { env, ...(signal ? { signal } : {}) });
  if (result.exitCode !== 0) throw new SyscloneError("IMPORT_FAILED", `mcopy could not copy the vfat filesystem at byte ${offset}: ${result.stderrTail.trim().split("\n").slice(-2).join(" | ")}`);
}

/**
 * imgimport: a disk image built elsewhere (KIWI, mkosi, Packer, a cloud qcow2) → a new version of
 * an osimage, like a capture's: files copied through read-only loop mounts (vfat through mtools),
 * hard-linked to the previous version where unchanged, a manifest, layout.xml from the partition
 * table and the image's fstab, retention. Everything it cannot read is refused before a version
 * is staged; loop devices, mounts and the work directory are removed whatever happens.
 */
export async function importImage(options: ImportOptions, deps: ImportDeps): Promise<ImportResult> {
  const { say, signal } = deps;
  const osimage = checkImageName(options.osimage);
  const fileInfo = await stat(options.file).catch(() => undefined);
  if (!fileInfo?.isFile()) throw new SyscloneError("USAGE", `${options.file} is not a file`, { hint: "give the disk image: imgimport FILE -o NAME" });
  const work = path.join(deps.workDir, `imgimport-${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(work, { recursive: true, mode: 0o700 });
  const devices = new ImportDevices(signal);
  try {
    say(`reading ${options.file}`);
    const sha256 = await sha256Of(options.file);
    const { raw, format, compression } = await rawDisk(options, work, signal);
    const source: ImportSource = { file: path.basename(options.file), sha256, format, compression };
    const diskBytes = (await stat(raw)).size;
    const listing = await run("sfdisk", ["--json", raw], signal ? { signal } : {});
    // No table at all is the image's fault, not a tool's: importTable says what imgimport takes.
    const table = importTable(listing.exitCode === 0 ? listing.stdoutTail : "");
    const partitions: ImportPartition[] = [];
    const loops = new Map<number, string>();
    for (const p of table.partitions) {
      const num = Number(/(\d+)$/.exec(p.node)?.[1] ?? 0);
      const device = await devices.attach(raw, p.start * table.sectorsize, p.size * table.sectorsize, `partition ${num}`);
      loops.set(num, device);
      const partition: ImportPartition = { ...p, num, probe: await devices.probe(device) };
      readMethod(partition);
      partitions.push(partition);
    }
    const mounted = new Map<number, string>();
    const mountOf = async (p: ImportPartition): Promise<string> => {
      const existing = mounted.get(p.num);
      if (existing !== undefined) return existing;
      const at = path.join(work, `p${p.num}`);
      await devices.mountReadOnly(loops.get(p.num) ?? "", p.probe.type, at);
      mounted.set(p.num, at);
      return at;
    };
    const fstab = await findFstab(partitions, mountOf);
    const mountable = partitions.filter((p) => readMethod(p) === "mount");
    const rootGuess = mountable.find((p) => p.type === DISCOVERABLE_ROOT) ?? mountable[0];
    const espAt = fstab === undefined && rootGuess ? espMountPoint(await mountOf(rootGuess)) : "/boot/efi";
    const { mounts, warnings } = importMounts(partitions, fstab, espAt);
    for (const mount of mounts) say(`partition ${mount.partition.num} (${mount.partition.probe.type}) → ${mount.mp}`);
    const kernels = await kernelsIn(mounts, mountOf);
    const derived = layoutFromFacts(importFacts({ diskBytes, table, partitions, mounts, fstab: fstab ?? "", kernels }));
    warnings.push(...derived.warnings);
    return await commitVersion({ osimage, source, raw, table, mounts, layout: derived.layout, kernels, warnings, mountOf }, deps);
  } finally {
    const left = await devices.release();
    // Never remove a directory that may still hold a mount.
    if (left.length === 0) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    else say(`warning: could not ${left.join(", ")}; undo that by hand, then remove ${work}`);
  }
}

async function kernelsIn(mounts: readonly ImportMount[], mountOf: (p: ImportPartition) => Promise<string>): Promise<string[]> {
  const boot = mounts.find((m) => m.mp === "/boot" && m.method === "mount") ?? mounts.find((m) => m.mp === "/");
  if (boot === undefined) return [];
  const dir = boot.mp === "/boot" ? await mountOf(boot.partition) : path.join(await mountOf(boot.partition), "boot");
  return (await readdir(dir).catch(() => [])).filter((name) => name.startsWith("vmlinuz-")).sort();
}

interface Prepared {
  readonly osimage: string;
  readonly source: ImportSource;
  readonly raw: string;
  readonly table: { readonly sectorsize: number };
  readonly mounts: readonly ImportMount[];
  readonly layout: Layout;
  readonly kernels: readonly string[];
  readonly warnings: string[];
  readonly mountOf: (p: ImportPartition) => Promise<string>;
}

/** Stage, copy, manifest, publish, switch, record: a failure anywhere discards the staging and leaves the image as it was. */
async function commitVersion(prepared: Prepared, deps: ImportDeps): Promise<ImportResult> {
  const { store, repository, say, signal } = deps;
  const { osimage, source } = prepared;
  const imageExisted = existsSync(repository.imageDir(osimage));
  const staging = await repository.beginStaging(osimage);
  let committed = false;
  try {
    await reconcileRecords(store, repository, osimage);
    const previousVersion = await repository.currentVersion(osimage);
    const previousDir = previousVersion === undefined ? undefined : repository.versionDir(osimage, previousVersion);
    for (const mount of prepared.mounts) {
      const into = mount.mp === "/" ? staging.rootDir : path.join(staging.rootDir, mount.mp);
      await mkdir(into, { recursive: true });
      let from: string;
      if (mount.method === "mount") from = await prepared.mountOf(mount.partition);
      else {
        from = path.join(path.dirname(prepared.raw), `vfat-${mount.partition.num}`);
        await copyVfat(prepared.raw, mount.partition.start * prepared.table.sectorsize, from, signal);
      }
      const linkDest = previousDir === undefined ? [] : [`--link-dest=${path.join(previousDir, "root", mount.mp === "/" ? "" : mount.mp)}`];
      say(`copying partition ${mount.partition.num} into ${osimage} v${staging.version}:${mount.mp}`);
      await tool("rsync", [...RSYNC_COPY, ...linkDest, `${from}/`, `${into}/`], `copying partition ${mount.partition.num}`, signal);
    }
    say("recording the content manifest");
    const previousManifest = previousDir ? await readManifest(path.join(previousDir, "manifest.jsonl")).catch(() => undefined) : undefined;
    const manifest = await buildManifest(staging.rootDir, previousManifest && previousDir ? { previous: { rootDir: path.join(previousDir, "root"), entries: previousManifest } } : {});
    const manifestSha256 = await writeManifest(path.join(staging.dir, "manifest.jsonl"), manifest.entries);
    await writeFile(path.join(staging.dir, "layout.xml"), renderLayoutXml(prepared.layout));
    const sourceNode = `imgimport:${source.file}`;
    const info: ImageInfo & { imported: ImportSource } = {
      name: osimage, version: staging.version, sourceNode, capturedAt: new Date().toISOString(), root: "/",
      kernels: prepared.kernels, runningKernel: "", sizeBytes: manifest.sizeBytes, fileCount: manifest.fileCount, newBytes: manifest.newBytes,
      manifestSha256, excludes: [], imported: source,
    };
    if (signal?.aborted) throw new SyscloneError("IMPORT_FAILED", "imgimport was interrupted; the previous version is untouched");
    const versionDir = await repository.publish(staging, info);
    await repository.switchCurrent(osimage, staging.version);
    committed = true;
    const before = store.getObject("osimage", osimage);
    const description = `imported from ${source.file} (${source.format}${source.compression === "xz" ? ", xz" : ""}, sha256 ${source.sha256})`;
    store.transaction(() => {
      if (!before) store.createObject("osimage", osimage, { provmethod: "sysclone" });
      const keepDescription = before?.["description"] && !before["description"].startsWith("imported from ");
      store.updateObject("osimage", osimage, { sourcenode: sourceNode, currentversion: String(staging.version), ...(keepDescription ? {} : { description }) });
      store.addImageVersion({
        osimage, version: staging.version, sourceNode, capturedAt: info.capturedAt, kernel: prepared.kernels.join(","),
        sizeBytes: info.sizeBytes, fileCount: info.fileCount, newBytes: info.newBytes, manifestSha256,
      });
      store.addEvent({ kind: "captured", osimage, message: `imported ${osimage} v${staging.version} from ${source.file}`, data: { ...source, sizeBytes: info.sizeBytes, newBytes: info.newBytes } });
    });
    const retain = Number(store.getObject("osimage", osimage)?.["retain"] || 3);
    const readers = versionReaders(store, osimage);
    const { removed: pruned } = await repository.prune(osimage, retain, new Set(readers.keys()), (version) => store.deleteImageVersion(osimage, version));
    await exportClusterXmlFile(store, deps.clusterXml);
    return {
      info, source, versionDir, layout: prepared.layout, warnings: prepared.warnings, pruned,
      mounts: prepared.mounts.map((m) => ({ mp: m.mp, partition: m.partition.num, fs: m.partition.probe.type })),
    };
  } finally {
    if (!committed) {
      await repository.discardStaging(staging);
      if (!imageExisted && (await repository.versions(osimage)).length === 0) await rm(repository.imageDir(osimage), { recursive: true, force: true });
    }
    staging.release();
  }
}
