import { existsSync, readFileSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { agentPath } from "../config/paths.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { parseFacts, type CollectorFacts } from "../layout/facts.js";
import { layoutFromFacts } from "../layout/from-facts.js";
import type { Layout } from "../layout/model.js";
import { parseLayoutXml, renderLayoutXml } from "../layout/xml.js";
import { TreeHasher, unescapeRsyncName } from "../image/hasher.js";
import { buildManifest, readManifest, writeManifest } from "../image/manifest.js";
import { checkImageName } from "../image/names.js";
import { reconcileRecords, versionReaders } from "../image/records.js";
import type { ImageInfo, ImageRepository } from "../image/repository.js";
import { run } from "../exec/runner.js";
import { captureRsyncArgs, copiedFileName, parseProgress2, rsyncOutcome } from "../exec/rsync-args.js";
import { withRshEnvironment } from "../exec/rsh.js";
import type { SshSession, SshTarget } from "../exec/ssh.js";
import { shellQuote } from "../format/shell.js";
import type { Store } from "../store/store.js";
import { builtinExcludes, combineExcludes, parseExcludeFile } from "./excludes.js";
import { exportClusterXmlFile } from "../cluster/sync.js";

export interface CaptureOptions {
  readonly node: string;
  readonly osimage: string;
  readonly provmethod: string;
  readonly root: string;
  readonly layoutFile: string | undefined;
  readonly excludes: readonly string[];
  readonly dryRun: boolean;
}

export type CapturePhase = "connect" | "collect" | "layout" | "rsync" | "manifest" | "commit" | "done";

/** Points a test can stop a capture at (SYSCLONE_CAPTURE_PAUSE): the manifest written, the version published but not current. */
export type CapturePausePoint = "manifest" | "commit";

export interface CaptureReporter {
  phase(phase: CapturePhase, message: string): void;
  progress(percent: number, bytes: number): void;
  warn(message: string): void;
}

export interface CaptureDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly privateKeyFile: string;
  readonly rshProgram: string;
  readonly clusterXml: string;
  readonly reporter: CaptureReporter;
  readonly signal?: AbortSignal;
  /** Test hook: waits at a point of the capture (until aborted) so a kill lands there. */
  readonly pause?: (point: CapturePausePoint) => Promise<void>;
}

export interface CaptureResult {
  readonly info: ImageInfo;
  readonly versionDir: string;
  readonly layout: Layout;
  readonly pruned: readonly number[];
  /** Old versions retention kept because live installs read them; a later capture removes them. */
  readonly deferred: readonly number[];
  readonly warnings: readonly string[];
  readonly rsyncSeconds: number;
  readonly dryRun: boolean;
}

/**
 * The test hook behind SYSCLONE_CAPTURE_PAUSE: at the named point the capture says `paused at
 * POINT` and waits until it is interrupted, so a test's kill lands exactly there.
 */
export function pauseAtPoint(wanted: string | undefined, signal: AbortSignal, say: (line: string) => void): Pick<CaptureDeps, "pause"> {
  if (wanted === undefined || wanted === "") return {};
  return {
    pause: (point) =>
      point !== wanted || signal.aborted
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            // A pending promise alone would let the process end: a timer keeps it waiting.
            const alive = setInterval(() => undefined, 60_000);
            signal.addEventListener("abort", () => {
              clearInterval(alive);
              resolve();
            }, { once: true });
            say(`paused at ${point}`);
          }),
  };
}

function readPrivateKey(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new SyscloneError("NO_SSH_KEY", `no SSH key at ${file}`, { hint: "run `sysclone keys` to create it and print the public key for the golden client" });
  }
}

async function collectFacts(session: SshSession, root: string, node: string): Promise<CollectorFacts> {
  const script = await readFile(agentPath("collector.sh"));
  const result = await session.exec(`sh -s -- ${shellQuote(root)}`, { stdin: script });
  if (result.code !== 0) {
    throw new SyscloneError("SSH_COMMAND_FAILED", `the collector failed on ${node} (exit ${result.code}): ${result.stderr.trim() || "no message"}`, {
      hint: root === "/" ? "run agent/collector.sh there by hand to see why" : `check that ${root} exists on ${node}`,
    });
  }
  return parseFacts(result.stdout.toString("utf8"));
}

/** imgcapture: golden client → new version of an osimage, or nothing changed at all. */
export async function captureImage(options: CaptureOptions, deps: CaptureDeps): Promise<CaptureResult> {
  const { store, repository, reporter } = deps;
  if (options.provmethod !== "sysclone") {
    throw new SyscloneError("UNSUPPORTED_PROVMETHOD", `-t ${options.provmethod} is not supported`, { hint: "use -t sysclone" });
  }
  const osimage = checkImageName(options.osimage);
  const nodeAttributes = store.requireObject("node", options.node);
  const host = nodeAttributes["ip"] ?? "";
  if (host === "") {
    throw new SyscloneError("NO_ADDRESS", `node ${options.node} has no ip`, { hint: `set it: chdef ${options.node} ip=ADDRESS` });
  }
  const suppliedLayout = options.layoutFile ? parseLayoutXml(await readFile(options.layoutFile, "utf8").catch(() => {
    throw new SyscloneError("BAD_LAYOUT", `cannot read layout file ${options.layoutFile}`, { hint: "give the path of a layout.xml" });
  })) : undefined;
  const target: SshTarget = {
    node: options.node,
    host,
    port: Number(nodeAttributes["sshport"] || 22),
    user: nodeAttributes["sshuser"] || "root",
    privateKey: readPrivateKey(deps.privateKeyFile),
    pinnedHostKey: nodeAttributes["hostkey"] || undefined,
  };

  reporter.phase("connect", `connecting to ${options.node} (${target.user}@${host}:${target.port})`);
  // With a key pinned, the copy does not wait for this connection (rsync's OpenSSH trusts only that key): it
  // starts while ssh2 loads and connects, and the connection's errors (a changed key, a refused login) still
  // come first, when the collector's facts are awaited below.
  const connecting = import("../exec/ssh.js").then(({ connectSsh }) => connectSsh(target));
  connecting.catch(() => undefined);
  let pinnedHostKey = target.pinnedHostKey;
  if (pinnedHostKey === undefined) {
    const session = await connecting;
    pinnedHostKey = session.hostKey;
    store.updateObject("node", options.node, { hostkey: session.hostKey });
    store.addEvent({ kind: "hostkey-pinned", node: options.node, message: `pinned host key ${session.hostKey.split(" ")[0] ?? ""}` });
    reporter.warn(`pinned the host key of ${options.node} on first use (${session.hostKey.split(" ")[0] ?? ""})`);
  }
  reporter.phase("collect", `collecting disk facts under ${options.root}`);
  const collected = connecting.then((session) => collectFacts(session, options.root, options.node).finally(() => session.close()));
  // Awaited below on every path; this only keeps a failure that lands while other work runs from counting as unhandled.
  collected.catch(() => undefined);
  const osimageAttributes = store.getObject("osimage", osimage);
  const excludeFile = path.join(repository.dir, `${osimage}.exclude`);
  const fileExcludes = parseExcludeFile(await readFile(excludeFile, "utf8").catch(() => ""));
  const attributeExcludes = (osimageAttributes?.["exclude"] ?? "").split(",").filter((e) => e !== "");
  const judge = (facts: CollectorFacts): { layout: Layout; warnings: string[]; excludes: string[] } => {
    if (facts.rsyncPath === "") {
      throw new SyscloneError("NO_RSYNC_ON_CLIENT", `rsync is not installed on ${options.node}`, { hint: "install it there (apt install rsync / dnf install rsync) and capture again" });
    }
    const derived = layoutFromFacts(facts);
    if (!suppliedLayout && !derived.rootIsMountPoint) {
      throw new SyscloneError("BAD_LAYOUT", `${options.root} on ${options.node} is not a mount point, so its disk layout cannot be read`, {
        hint: "supply the layout with --layout FILE (see `sysclone layout check`)",
      });
    }
    const excludes = combineExcludes(builtinExcludes, derived.mountExcludes, derived.swapFiles, fileExcludes, attributeExcludes, options.excludes);
    return { layout: suppliedLayout ?? derived.layout, warnings: suppliedLayout ? [] : [...derived.warnings], excludes };
  };

  if (options.dryRun) {
    const facts = await collected;
    reporter.phase("layout", "building the disk layout");
    const { layout, warnings, excludes } = judge(facts);
    for (const warning of warnings) reporter.warn(warning);
    const info: ImageInfo = {
      name: osimage, version: 0, sourceNode: options.node, capturedAt: new Date().toISOString(), root: options.root,
      kernels: facts.kernels, runningKernel: facts.runningKernel, sizeBytes: 0, fileCount: 0, newBytes: 0, manifestSha256: "", excludes,
    };
    return { info, versionDir: "", layout, pruned: [], deferred: [], warnings, rsyncSeconds: 0, dryRun: true };
  }

  const imageExisted = existsSync(repository.imageDir(osimage));
  const staging = await repository.beginStaging(osimage).catch(async (error: unknown) => {
    await collected.catch(() => undefined);
    throw error;
  });
  let committed = false;
  // One openssl at a time keeps up with the copy (GB/s against rsync's MB/s) and leaves the cores to rsync and ssh.
  const hasher = new TreeHasher(staging.rootDir, 1);
  // The copy starts beside the collector, with the excludes it will most likely ask for (the previous
  // version's, else those known without its facts); if the facts ask for others, a second pass fixes it.
  const copying = new AbortController();
  const copySignal = deps.signal ? AbortSignal.any([deps.signal, copying.signal]) : copying.signal;
  try {
    await reconcileRecords(store, repository, osimage);
    const previousVersion = await repository.currentVersion(osimage);
    const previousDir = previousVersion === undefined ? undefined : repository.versionDir(osimage, previousVersion);
    const previousInfo = previousVersion === undefined ? undefined : await repository.info(osimage, previousVersion).catch(() => undefined);
    const guessed = previousInfo?.excludes ? [...previousInfo.excludes] : combineExcludes(builtinExcludes, fileExcludes, attributeExcludes, options.excludes);
    reporter.phase("rsync", `copying ${options.node}:${options.root} into ${osimage} v${staging.version}${previousDir ? ` (unchanged files linked to v${previousVersion})` : ""}`);
    const copy = async (excludes: readonly string[], deleteExcluded: boolean) => {
      const args = captureRsyncArgs({
        rshProgram: deps.rshProgram,
        host,
        sourceRoot: options.root,
        destination: staging.rootDir,
        linkDest: previousDir ? path.join(previousDir, "root") : undefined,
        excludes,
        progress: true,
        nameEachFile: true,
        deleteExcluded,
      });
      let buffered = "";
      return withRshEnvironment(target, deps.privateKeyFile, pinnedHostKey, (env) => run("rsync", args, {
        env,
        signal: copySignal,
        onStdout: (chunk) => {
          buffered += chunk;
          const records = buffered.split(/[\r\n]/);
          buffered = records.pop() ?? "";
          for (const record of records) {
            const name = copiedFileName(record);
            if (name !== undefined) {
              hasher.add(unescapeRsyncName(name));
              continue;
            }
            const progress = parseProgress2(record);
            if (progress) reporter.progress(progress.percent, progress.bytes);
          }
        },
      }));
    };
    const firstCopy = copy(guessed, false);
    const previousManifest = previousDir ? readManifest(path.join(previousDir, "manifest.jsonl")).catch(() => undefined) : Promise.resolve(undefined);
    let judged: ReturnType<typeof judge>;
    try {
      judged = judge(await collected);
    } catch (error) {
      copying.abort();
      await firstCopy.catch(() => undefined);
      throw error;
    }
    reporter.phase("layout", "building the disk layout");
    const { layout, warnings, excludes } = judged;
    for (const warning of warnings) reporter.warn(warning);
    let result = await firstCopy;
    const sameExcludes = excludes.length === guessed.length && excludes.every((pattern, i) => pattern === guessed[i]);
    if (!sameExcludes && !deps.signal?.aborted && rsyncOutcome(result.exitCode) !== "failed") {
      reporter.phase("rsync", "copying again with the excludes of the golden client's current mounts");
      const second = await copy(excludes, true);
      result = { ...second, durationMs: result.durationMs + second.durationMs };
    }
    if (deps.signal?.aborted) throw new SyscloneError("CAPTURE_INTERRUPTED", "capture interrupted; the previous version is untouched", { hint: "run imgcapture again" });
    const outcome = rsyncOutcome(result.exitCode);
    if (outcome === "failed") {
      const stderr = result.stderrTail.trim().split("\n").slice(-3).join(" | ");
      throw new SyscloneError("RSYNC_FAILED", `rsync from ${options.node} failed (exit ${result.exitCode ?? result.signal ?? "?"}): ${stderr}`, {
        hint: "the previous version is untouched; fix the cause and capture again",
      });
    }
    if (outcome === "vanished") warnings.push("some files vanished while they were copied (a live system); the copy is otherwise complete");

    reporter.phase("manifest", "recording the content manifest");
    const previousEntries = await previousManifest;
    const manifest = await buildManifest(staging.rootDir, {
      ...(previousEntries && previousDir ? { previous: { rootDir: path.join(previousDir, "root"), entries: previousEntries } } : {}),
      hashed: await hasher.finish(),
    });
    const manifestSha256 = await writeManifest(path.join(staging.dir, "manifest.jsonl"), manifest.entries);
    await writeFile(path.join(staging.dir, "layout.xml"), renderLayoutXml(layout));
    await deps.pause?.("manifest");
    if (deps.signal?.aborted) throw new SyscloneError("CAPTURE_INTERRUPTED", "capture interrupted; the previous version is untouched", { hint: "run imgcapture again" });

    reporter.phase("commit", `switching ${osimage} to v${staging.version}`);
    const facts = await collected;
    const info: ImageInfo = {
      name: osimage,
      version: staging.version,
      sourceNode: options.node,
      capturedAt: new Date().toISOString(),
      root: options.root,
      kernels: facts.kernels,
      runningKernel: facts.runningKernel,
      sizeBytes: manifest.sizeBytes,
      fileCount: manifest.fileCount,
      newBytes: manifest.newBytes,
      manifestSha256,
      excludes,
    };
    if (deps.signal?.aborted) throw new SyscloneError("CAPTURE_INTERRUPTED", "capture interrupted; the previous version is untouched", { hint: "run imgcapture again" });
    // Published is not committed: until current points at it, a killed capture's version is removed by the next one.
    const versionDir = await repository.publish(staging, info);
    await deps.pause?.("commit");
    if (deps.signal?.aborted) throw new SyscloneError("CAPTURE_INTERRUPTED", "capture interrupted; the previous version is untouched", { hint: "run imgcapture again" });
    await repository.switchCurrent(osimage, staging.version);
    committed = true;
    const retain = Number(osimageAttributes?.["retain"] || 3);
    store.transaction(() => {
      if (!osimageAttributes) store.createObject("osimage", osimage, { provmethod: "sysclone" });
      store.updateObject("osimage", osimage, { sourcenode: options.node, currentversion: String(staging.version) });
      store.addImageVersion({
        osimage, version: staging.version, sourceNode: options.node, capturedAt: info.capturedAt, kernel: facts.kernels.join(","),
        sizeBytes: info.sizeBytes, fileCount: info.fileCount, newBytes: info.newBytes, manifestSha256,
      });
      store.addEvent({ kind: "captured", node: options.node, osimage, message: `captured ${osimage} v${staging.version}`, data: { sizeBytes: info.sizeBytes, newBytes: info.newBytes } });
    });
    // Retention skips versions live installs read (multicast sessions and rsync modules serve those); a later capture removes them.
    const readers = versionReaders(store, osimage);
    const { removed: pruned, deferred } = await repository.prune(osimage, retain, new Set(readers.keys()), (version) => store.deleteImageVersion(osimage, version));
    for (const version of deferred) {
      const warning = `kept ${osimage} v${version} beyond retain=${retain}: live installs read it (${(readers.get(version) ?? []).join(", ")}); a later capture removes it`;
      warnings.push(warning);
      reporter.warn(warning);
    }
    await exportClusterXmlFile(store, deps.clusterXml);
    reporter.phase("done", `${osimage} v${staging.version}: ${info.fileCount} entries, ${info.sizeBytes} bytes, ${info.newBytes} new`);
    return { info, versionDir, layout, pruned, deferred, warnings, rsyncSeconds: result.durationMs / 1000, dryRun: false };
  } catch (error) {
    if (deps.signal?.aborted && !isSyscloneError(error, "CAPTURE_INTERRUPTED")) {
      throw new SyscloneError("CAPTURE_INTERRUPTED", "capture interrupted; the previous version is untouched", { hint: "run imgcapture again", cause: error });
    }
    throw error;
  } finally {
    copying.abort();
    await hasher.stop();
    if (!committed) {
      await repository.discardStaging(staging);
      // A first capture that failed leaves no image behind (its directory was made for it).
      if (!imageExisted && (await repository.versions(osimage)).length === 0) await rm(repository.imageDir(osimage), { recursive: true, force: true });
    }
    staging.release();
  }
}
