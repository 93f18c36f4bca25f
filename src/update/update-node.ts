import { existsSync } from "node:fs";
import { readFile, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { agentPath, type SyscloneHome } from "../config/paths.js";
import { SyscloneError, isSyscloneError } from "../errors/errors.js";
import { archiveFlags, rsyncOutcome } from "../exec/rsync-args.js";
import { withRshEnvironment } from "../exec/rsh.js";
import { run } from "../exec/runner.js";
import { connectSsh, describeHostKeys, hostKeyFingerprint, isPinnedHostKey, type SshSession, type SshTarget } from "../exec/ssh.js";
import { shellQuote } from "../format/shell.js";
import type { ImageRepository } from "../image/repository.js";
import { findPostscript } from "../install/service.js";
import { resolveNodeTarget, type NodeTarget } from "../install/resolve.js";
import type { Attributes } from "../objects/schema.js";
import { espMountPoint, nodeEnvironment } from "../plan/environment.js";
import type { Store } from "../store/store.js";
import { bootTrees, bootTreesDiffer, changedPaths, touchesBoot } from "./boot-change.js";
import { readManifest } from "../image/manifest.js";
import { keepList } from "./keep.js";
import { nodeOnlyMountExcludes, exactPathExcludes, parseProbe, ancestorProtects, type NodeProbe } from "./live-node.js";
import type { UpdateStep } from "./steps.js";
import { destinationDirectory, parseSynclist, type SyncEntry } from "./synclist.js";
import { uuidMapBetween } from "./uuid-map.js";
import { landedOverrideFiles, stageTemplates } from "./templates.js";
import { TEMPLATE_SUFFIX } from "../template/render.js";
import { parsePostscriptRun, renderPostscriptRun } from "./postscript-run.js";

export interface UpdateDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  readonly home: SyscloneHome;
  readonly postscriptDirs: readonly string[];
  readonly privateKeyFile: string;
  readonly publicKey: string;
  readonly rshProgram: string;
  /** The server's address as nodes know it (SERVER in the postscripts' environment). */
  readonly serverHost: string;
  readonly connectTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly report: (message: string) => void;
  /** Reads a file once per command run: keys, the probe and postscripts are the same for every node. */
  readonly readShared: (file: string) => Promise<string>;
}

export interface UpdateRequest {
  readonly node: string;
  readonly steps: readonly UpdateStep[];
  /** Postscripts named with -P; undefined: the node's own list. */
  readonly postscripts: readonly string[] | undefined;
  /** With -k: the "SHA256:…" fingerprint the node's key must have to be pinned. */
  readonly fingerprint?: string;
}

export interface UpdateOutcome {
  readonly imageVersion?: number;
  readonly changed?: number;
  readonly deleted?: number;
  /** The first hundred of each, for --json. */
  readonly changedPaths?: readonly string[];
  readonly deletedPaths?: readonly string[];
  readonly bootloaderRerun?: boolean;
  readonly postscripts?: readonly string[];
}

interface Connection {
  readonly session: SshSession;
  readonly target: SshTarget;
}

/** Everything one node's update does, in the order of its steps; throws a typed error on the first failure. */
export async function updateNode(request: UpdateRequest, deps: UpdateDeps): Promise<UpdateOutcome> {
  const { store } = deps;
  const attributes = store.requireObject("node", request.node);
  const needsImage = request.steps.some((s) => s !== "keys");
  const target = needsImage ? await resolveNodeTarget(store, deps.repository, deps.home.overrides, request.node) : undefined;
  const connection = await connect(request, attributes, deps);
  const outcome: { -readonly [K in keyof UpdateOutcome]: UpdateOutcome[K] } = {};
  const closeOnAbort = (): void => connection.session.close();
  deps.signal.addEventListener("abort", closeOnAbort, { once: true });
  try {
    let probe: NodeProbe | undefined;
    const probed = async (): Promise<NodeProbe> => (probe ??= await probeNode(connection, request.node, deps));
    for (const step of request.steps) {
      if (deps.signal.aborted) break;
      if (step === "keys") await pushServerKey(connection, request.node, deps);
      else if (step === "sync" && target) await syncFiles(connection, target, deps);
      else if (step === "software" && target) Object.assign(outcome, await updateSoftware(connection, target, await probed(), attributes, deps));
      else if (step === "postscripts" && target) {
        const names = request.postscripts ?? target.postscripts;
        await runPostscripts(connection, target, attributes, names, "", deps);
        outcome.postscripts = names;
      }
    }
  } finally {
    deps.signal.removeEventListener("abort", closeOnAbort);
    connection.session.close();
  }
  return outcome;
}

async function connect(request: UpdateRequest, attributes: Attributes, deps: UpdateDeps): Promise<Connection> {
  const { node } = request;
  const host = attributes["ip"] ?? "";
  if (host === "") throw new SyscloneError("NO_ADDRESS", `node ${node} has no ip`, { hint: `set it: chdef ${node} ip=ADDRESS` });
  let privateKey: Buffer;
  try {
    privateKey = Buffer.from(await deps.readShared(deps.privateKeyFile));
  } catch {
    throw new SyscloneError("NO_SSH_KEY", `no SSH key at ${deps.privateKeyFile}`, { hint: "run `sysclone keys` to create it" });
  }
  const pinned = attributes["hostkey"] || undefined;
  const repin = request.steps.includes("keys");
  const target: SshTarget = {
    node,
    host,
    port: Number(attributes["sshport"] || 22),
    user: attributes["sshuser"] || "root",
    privateKey,
    pinnedHostKey: repin ? undefined : pinned,
    ...(repin && request.fingerprint !== undefined ? { expectedFingerprint: request.fingerprint } : {}),
    readyTimeoutMs: deps.connectTimeoutMs,
  };
  const session = await connectSsh(target);
  const presented = hostKeyFingerprint(session.hostKey);
  if (isPinnedHostKey(pinned, session.hostKey)) {
    if (repin) deps.report(`host key ${presented} is the pinned one: nothing to re-pin`);
    return { session, target };
  }
  const checked = request.fingerprint !== undefined;
  const how = !pinned ? "on first use" : checked ? "(-k, fingerprint checked)" : "(-k, fingerprint not checked)";
  deps.store.transaction(() => {
    deps.store.updateObject("node", node, { hostkey: session.hostKey });
    deps.store.addEvent({
      kind: "hostkey-pinned",
      node,
      message: pinned ? `host key re-pinned ${how}: ${describeHostKeys(pinned)} → ${presented}` : `pinned host key ${presented} ${how}`,
      data: { old: pinned ? describeHostKeys(pinned).split(", ") : [], new: [presented], by: repin ? "updatenode -k" : "updatenode", checked },
    });
  });
  deps.report(pinned ? `host key changed from ${describeHostKeys(pinned)} to ${presented}: pinned the new one ${how}` : `pinned host key ${presented} on first use`);
  return { session, target };
}

async function remote(connection: Connection, node: string, what: string, command: string, stdin?: string | Buffer): Promise<string> {
  const result = await connection.session.exec(command, stdin === undefined ? {} : { stdin });
  if (result.code !== 0) {
    const output = `${result.stderr}${result.stdout.toString("utf8")}`.trim().split("\n").slice(-3).join(" | ");
    throw new SyscloneError("SSH_COMMAND_FAILED", `${what} failed on ${node} (exit ${result.code})${output ? `: ${output}` : ""}`);
  }
  return result.stdout.toString("utf8");
}

async function pushServerKey(connection: Connection, node: string, deps: UpdateDeps): Promise<void> {
  const publicKey = (await deps.readShared(deps.publicKey)).trim();
  const [type = "", blob = ""] = publicKey.split(" ");
  const script = [
    "set -e",
    "umask 077",
    'mkdir -p "$HOME/.ssh"',
    'touch "$HOME/.ssh/authorized_keys"',
    `if grep -qF ${shellQuote(`${type} ${blob}`)} "$HOME/.ssh/authorized_keys"; then echo present; else printf '%s\\n' ${shellQuote(publicKey)} >> "$HOME/.ssh/authorized_keys"; echo added; fi`,
    'chmod 700 "$HOME/.ssh"',
    'chmod 600 "$HOME/.ssh/authorized_keys"',
  ].join("\n");
  const answer = (await remote(connection, node, "pushing the server's SSH key", "sh -s", script)).trim();
  deps.report(answer === "added" ? "keys: server key added to authorized_keys" : "keys: server key already authorized");
}

async function probeNode(connection: Connection, node: string, deps: UpdateDeps): Promise<NodeProbe> {
  return parseProbe(await remote(connection, node, "the node probe", "sh -s", await deps.readShared(agentPath(path.join("update", "probe.sh")))));
}

/** rsync from this server to the node over bin/sysclone-rsh (OpenSSH, the host key pinned); returns the itemised changes. */
async function pushWithRsync(connection: Connection, flags: readonly string[], sources: readonly string[], destination: string, deps: UpdateDeps, what: string): Promise<{ changed: string[]; deleted: string[] }> {
  let output = "";
  const result = await withRshEnvironment(connection.target, deps.privateKeyFile, connection.session.hostKey, (env) =>
    run("rsync", [...flags, "--protect-args", `--rsh=${deps.rshProgram}`, "--out-format=%i %n%L", ...sources, `${connection.target.host}:${destination}`], {
      env,
      signal: deps.signal,
      onStdout: (chunk) => (output += chunk),
    }),
  );
  if (deps.signal.aborted) throw new SyscloneError("NODE_TIMEOUT", `${what} was stopped: the node's time ran out`);
  if (rsyncOutcome(result.exitCode) === "failed") {
    const stderr = result.stderrTail.trim().split("\n").slice(-3).join(" | ");
    throw new SyscloneError("UPDATE_FAILED", `${what}: rsync to ${connection.target.node} failed (exit ${result.exitCode ?? result.signal ?? "?"}): ${stderr}`, {
      hint: "check that rsync is installed on the node and that it has room",
    });
  }
  return changedPaths(output);
}

async function readSynclist(target: NodeTarget, deps: UpdateDeps): Promise<{ file: string; entries: SyncEntry[] } | undefined> {
  const osimage = deps.store.requireObject("osimage", target.image.name);
  const named = osimage["synclist"];
  const file = named ? path.resolve(deps.home.home, named) : path.join(deps.repository.dir, `${target.image.name}.synclist`);
  if (!named && !existsSync(file)) return undefined;
  const text = await deps.readShared(file).catch(() => {
    throw new SyscloneError("BAD_SYNCLIST", `cannot read the synclist ${file} of osimage ${target.image.name}`, { hint: `fix the path: chdef -t osimage ${target.image.name} synclist=FILE` });
  });
  const entries = parseSynclist(text, file);
  for (const entry of entries) {
    for (const source of entry.sources) {
      if (!existsSync(source)) throw new SyscloneError("BAD_SYNCLIST", `${file} line ${entry.line}: ${source} does not exist on this server`, { hint: "fix the line or create the file" });
    }
  }
  return { file, entries };
}

async function syncFiles(connection: Connection, target: NodeTarget, deps: UpdateDeps): Promise<void> {
  const synclist = await readSynclist(target, deps);
  let changed = 0;
  if (synclist && synclist.entries.length > 0) {
    const directories = [...new Set(synclist.entries.map(destinationDirectory))];
    await remote(connection, target.node.name, "creating the synclist's directories", `mkdir -p -- ${directories.map(shellQuote).join(" ")}`);
    for (const entry of synclist.entries) {
      const result = await pushWithRsync(connection, [...archiveFlags, "--checksum"], entry.sources, entry.destination, deps, `synclist line ${entry.line}`);
      changed += result.changed.filter((p) => !p.endsWith("/")).length;
    }
  }
  const overrides = await applyOverrides(connection, target, deps);
  deps.report(`sync: ${synclist ? `${synclist.entries.length} synclist entr${synclist.entries.length === 1 ? "y" : "ies"}` : "no synclist"}, overrides ${describeOverrides(target)}; ${changed + overrides.length} file(s) changed`);
}

function describeOverrides(target: NodeTarget): string {
  return target.overrides.length === 0 ? "none" : target.overrides.map((o) => `${o.scope} ${o.name}`).join(", ");
}

/** The overrides in the clone's order (image, groups, node); returns what changed. */
async function applyOverrides(connection: Connection, target: NodeTarget, deps: UpdateDeps): Promise<string[]> {
  const changed: string[] = [];
  for (const override of target.overrides) {
    const dir = path.join(deps.home.overrides, override.name);
    const templated = override.templates !== undefined && override.templates.length > 0;
    const result = await pushWithRsync(connection, [...archiveFlags, "--checksum", ...(templated ? [`--exclude=*${TEMPLATE_SUFFIX}`] : [])], [`${dir}/`], "/", deps, `override ${override.name}`);
    changed.push(...result.changed.filter((p) => !p.endsWith("/")));
    if (!templated) continue;
    const staged = await stageTemplates(dir, override.templates ?? []);
    try {
      const rendered = await pushWithRsync(connection, [...archiveFlags, "--checksum"], [`${staged}/`], "/", deps, `templates of override ${override.name}`);
      changed.push(...rendered.changed.filter((p) => !p.endsWith("/")));
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  }
  return changed;
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), relative)));
    else out.push(relative);
  }
  return out;
}

async function imageBootTreesDiffer(repository: ImageRepository, name: string, older: number, newer: number, trees: readonly string[]): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([older, newer].map((v) => readManifest(path.join(repository.versionDir(name, v), "manifest.jsonl"))));
    return bootTreesDiffer(a ?? [], b ?? [], trees);
  } catch {
    return true; // the node's version is gone from the repository: copy the boot trees to be sure
  }
}

/** The node paths a synclist writes: they belong to the synclist, not to the image. */
async function syncedNodePaths(entries: readonly SyncEntry[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    for (const source of entry.sources) {
      const isDirectory = (await stat(source)).isDirectory();
      const base = entry.destination.endsWith("/") ? path.posix.join(entry.destination, source.endsWith("/") ? "" : path.basename(source)) : entry.destination;
      if (isDirectory) out.push(...(await filesUnder(source)).map((file) => path.posix.join(base, file)));
      else out.push(base);
    }
  }
  return out;
}

async function updateSoftware(connection: Connection, target: NodeTarget, probe: NodeProbe, attributes: Attributes, deps: UpdateDeps): Promise<UpdateOutcome> {
  const { image } = target;
  const versionDir = deps.repository.versionDir(image.name, image.version);
  const rootDir = path.join(versionDir, "root");
  if (!(await stat(rootDir).catch(() => undefined))?.isDirectory()) {
    throw new SyscloneError("NO_IMAGE_VERSION", `${image.name} v${image.version} has no root tree at ${rootDir}`, { hint: `capture it again: imgcapture GOLDEN -t sysclone -o ${image.name}` });
  }
  const info = await deps.repository.info(image.name, image.version);
  const osimage = deps.store.requireObject("osimage", image.name);
  const overrideFiles = landedOverrideFiles((await Promise.all(target.overrides.map((o) => filesUnder(path.join(deps.home.overrides, o.name))))).flat());
  const synclist = await readSynclist(target, deps);
  const syncedFiles = synclist ? await syncedNodePaths(synclist.entries) : [];
  const keep = keepList(osimage["keep"], attributes["keep"]);
  const excludes = [
    ...info.excludes,
    ...keep,
    ...nodeOnlyMountExcludes(probe, target.layout),
    ...exactPathExcludes([...overrideFiles, ...syncedFiles]),
  ];
  const protects = ancestorProtects([...overrideFiles, ...syncedFiles, ...keep.filter((p) => p.endsWith("/*"))]);
  const filters = [...excludes.map((pattern) => `--exclude=${pattern}`), ...protects.map((rule) => `--filter=${rule}`)];
  const esp = espMountPoint(target.layout.filesystems);
  const trees = bootTrees(esp);
  const previous = /^\d+$/.test(attributes["imageversion"] ?? "") ? Number(attributes["imageversion"]) : undefined;
  const describeBefore = previous === undefined ? "an unrecorded version" : `v${previous}`;
  const delta = await pushWithRsync(
    connection,
    [...archiveFlags, "--delete-after", ...filters, ...trees.map((tree) => `--exclude=/${tree}/*`)],
    [`${rootDir}/`],
    "/",
    deps,
    `update to ${image.name} v${image.version}`,
  );
  // The boot trees hold what efibootloader rewrote for this node (its UUIDs, the fallback loader):
  // they are copied only when the image's own boot trees changed since the node's version.
  const bootChanged = previous !== image.version && (previous === undefined || (await imageBootTreesDiffer(deps.repository, image.name, previous, image.version, trees)));
  const bootDelta = bootChanged
    ? await pushWithRsync(
        connection,
        [...archiveFlags, "--delete-after", ...filters, ...trees.map((tree) => `--filter=+ /${tree}/***`), "--filter=- /*"],
        [`${rootDir}/`],
        "/",
        deps,
        `boot files of ${image.name} v${image.version}`,
      )
    : { changed: [], deleted: [] };
  const files = [...delta.changed, ...bootDelta.changed].filter((p) => !p.endsWith("/"));
  const deleted = [...delta.deleted, ...bootDelta.deleted];
  deps.report(`software: ${describeBefore} → ${image.name} v${image.version}: ${files.length} changed, ${deleted.length} deleted`);
  const overridden = await applyOverrides(connection, target, deps);
  if (target.overrides.length > 0) deps.report(`software: overrides ${describeOverrides(target)} re-applied; ${overridden.length} file(s) changed`);

  const bootloaderRerun = touchesBoot([...files, ...deleted, ...overridden], esp);
  if (bootloaderRerun) {
    deps.report(`software: ${trees.map((t) => `/${t}`).join(" and ")} changed: rerunning efibootloader`);
    const imageFstab = await readFile(path.join(rootDir, "etc", "fstab"), "utf8").catch(() => "");
    const nodeFstab = await remote(connection, target.node.name, "reading /etc/fstab", "cat /etc/fstab 2>/dev/null || true");
    await runPostscripts(connection, target, attributes, ["efibootloader"], uuidMapBetween(imageFstab, nodeFstab), deps);
  }
  deps.store.transaction(() => {
    deps.store.updateObject("node", target.node.name, { imageversion: String(image.version) });
    deps.store.addEvent({
      kind: "updated", node: target.node.name, osimage: image.name,
      message: `updated to ${image.name} v${image.version}: ${files.length} changed, ${deleted.length} deleted${bootloaderRerun ? ", boot loader rerun" : ""}`,
    });
  });
  return {
    imageVersion: image.version, changed: files.length, deleted: deleted.length, bootloaderRerun,
    changedPaths: files.slice(0, 100), deletedPaths: deleted.slice(0, 100),
  };
}

/** What the server knows of a postscript's environment on a live node; the node adds FIRMWARE, ESP, disks and the NIC itself. */
export function liveEnvironment(target: NodeTarget, serverHost: string, uuidMap: string): Record<string, string> {
  return { ...nodeEnvironment(target.node, target.image, serverHost), TARGET: "live", UUID_MAP: uuidMap, ROOT: "/" };
}

async function runPostscripts(connection: Connection, target: NodeTarget, attributes: Attributes, names: readonly string[], uuidMap: string, deps: UpdateDeps): Promise<void> {
  if (names.length === 0) return;
  const scripts = await Promise.all(
    names.map(async (name) => {
      const file = findPostscript(deps.postscriptDirs, name);
      if (!file) throw new SyscloneError("POSTSCRIPT_FAILED", `no postscript named ${name}`, { hint: `put an executable ${name} in ${deps.postscriptDirs[0] ?? "postscripts/"}` });
      return { name, content: await deps.readShared(file) };
    }),
  );
  const program = renderPostscriptRun({
    probeScript: await deps.readShared(agentPath(path.join("update", "probe.sh"))),
    environment: liveEnvironment(target, deps.serverHost, uuidMap),
    definedMacs: (attributes["mac"] ?? "").split(",").filter((m) => m !== ""),
    layoutEsp: espMountPoint(target.layout.filesystems) ?? "",
    scripts,
  });
  const result = await connection.session.exec("sh -s", { stdin: program });
  const output = `${result.stdout.toString("utf8")}${result.stderr}`;
  for (const script of parsePostscriptRun(names, output)) {
    if (script.exitCode === 0) {
      deps.report(`postscript ${script.name}: ok${script.output ? ` (${script.output.split("\n").slice(-1)[0] ?? ""})` : ""}`);
      continue;
    }
    const detail = script.exitCode === undefined ? `did not finish (the run ended with exit ${result.code})` : `exited ${script.exitCode}`;
    const shown = (script.output || (script.exitCode === undefined ? output.trim() : "")).split("\n").slice(-5).join(" | ");
    throw new SyscloneError("POSTSCRIPT_FAILED", `postscript ${script.name} ${detail}${shown ? `: ${shown}` : ""}`, {
      hint: `fix the script or the node, then: updatenode ${target.node.name} -P ${script.name}`,
    });
  }
}

export function describeFailure(error: unknown): { code: string; message: string; hint?: string } {
  if (isSyscloneError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}
