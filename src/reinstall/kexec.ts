import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import PQueue from "p-queue";
import { auditedChange, localRoot } from "../audit/record.js";
import { rootPrincipal } from "../auth/policy.js";
import { authorizeNodes } from "../auth/scope.js";
import type { NodesetAction } from "../boot/destiny.js";
import { agentPath } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { connectSsh, type SshSession, type SshTarget } from "../exec/ssh.js";
import type { ImageRepository } from "../image/repository.js";
import { issueInstallToken, tokenSha256 } from "../install/tokens.js";
import { cloneKernelArgs, nodeStaticNetwork } from "../netboot/clone-args.js";
import { nodesetDeps, setNextBoot, type NodesetResult } from "../nodes/nodeset.js";
import type { Store } from "../store/store.js";
import { nodeFailure } from "../update/fanout.js";
import { parseNodeAnswer, type KexecNodeResult, type KexecResult, type RebootMethod } from "./results.js";

export interface KexecDeps {
  readonly store: Store;
  readonly repository: ImageRepository;
  /** The server's private SSH key (sysclone keys). */
  readonly privateKeyFile: string;
  /** The URL the clone initrd reaches the server at. */
  readonly serverUrl: string;
  readonly signal: AbortSignal;
  /** Each node's progress, as it happens. */
  readonly report: (node: string, message: string) => void;
  /** The SSH seam (tests may pass their own); connectSsh by default. */
  readonly connect?: (target: SshTarget) => Promise<SshSession>;
}

export interface KexecRequest {
  readonly noderange: string;
  /** nodeset's action: osimage=NAME (or a wipe chain). */
  readonly action: NodesetAction;
  /** protected=yes nodes need it, as for nodeset. */
  readonly force?: boolean;
  readonly fanout: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  /** "grub": the one-time boot entry even where kexec is installed (the fallback, chosen). */
  readonly prefer?: RebootMethod;
}

interface CloneFiles {
  readonly kernel: Buffer;
  readonly initrd: Buffer;
}

/**
 * rinstall --kexec: each node's next boot set to the install (nodeset, audited), then, over SSH with
 * its pinned host key, the image's clone kernel and initrd and a command line with a fresh
 * single-boot token copied to the node, which kexecs into them (or, without kexec, reboots once into
 * a grub entry made for them). The clone then runs as after a PXE boot. Each node fails alone.
 */
export async function reinstallByKexec(deps: KexecDeps, request: KexecRequest): Promise<KexecResult> {
  const { store } = deps;
  const started = Date.now();
  const results = auditedChange(store, localRoot, "rinstall", () => setNextBoot(nodesetDeps(store), {
    noderange: request.noderange,
    action: request.action,
    check: (nodes) => void authorizeNodes(store, rootPrincipal, "nodeset", nodes, { force: request.force === true, confirm: nodes.length }),
  }), ["node"]);
  const files = new Map<string, Promise<CloneFiles>>();
  const filesOf = (osimage: string): Promise<CloneFiles> => {
    let read = files.get(osimage);
    if (!read) files.set(osimage, (read = readCloneFiles(deps.repository, osimage)));
    return read;
  };
  const queue = new PQueue({ concurrency: request.fanout });
  const nodes = await queue.addAll(results.map((result) => () => reinstallOne(deps, request, result, filesOf)));
  const failed = nodes.filter((n) => !n.ok).map((n) => n.node);
  return { nodes, summary: { total: nodes.length, ok: nodes.length - failed.length, failed, seconds: (Date.now() - started) / 1000 } };
}

/** The image's clone kernel and initrd (sysclone initrd build): refused before any node is touched when missing. */
export function cloneFilesOf(repository: ImageRepository, osimage: string): { kernel: string; initrd: string } {
  const dir = path.join(repository.imageDir(osimage), "netboot");
  const kernel = path.join(dir, "kernel");
  const initrd = path.join(dir, "initrd.img");
  if (!existsSync(kernel) || !existsSync(initrd)) {
    throw new SyscloneError("NO_KERNEL", `osimage ${osimage} has no clone kernel and initrd`, { hint: `sysclone initrd build ${osimage}` });
  }
  return { kernel, initrd };
}

async function readCloneFiles(repository: ImageRepository, osimage: string): Promise<CloneFiles> {
  const { kernel, initrd } = cloneFilesOf(repository, osimage);
  return { kernel: await readFile(kernel), initrd: await readFile(initrd) };
}

async function reinstallOne(deps: KexecDeps, request: KexecRequest, set: NodesetResult, filesOf: (osimage: string) => Promise<CloneFiles>): Promise<KexecNodeResult> {
  const { store } = deps;
  const { node } = set;
  const started = Date.now();
  const report = (message: string): void => deps.report(node, message);
  let session: SshSession | undefined;
  let tokenHash: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = async (): Promise<RebootMethod> => {
    const attributes = store.requireObject("node", node);
    const osimage = set.osimage ?? "";
    const files = await filesOf(osimage);
    session = await connectPinned(deps, request, node, attributes);
    const remote = remoteRunner(session, node);
    const script = await readFile(agentPath(path.join("reinstall", "node.sh")));
    const probe = parseNodeAnswer(await remote("probing how to start the clone", `sh -s -- probe ${files.kernel.length + files.initrd.length}${request.prefer === "grub" ? " grub" : ""}`, script));
    report(`copying the clone kernel and initrd of ${osimage} (${probe.method})`);
    await remote("making the staging directory", `mkdir -p -m 700 ${probe.stage}`);
    await remote("copying the clone kernel", `cat > ${probe.stage}/kernel`, files.kernel);
    await remote("copying the clone initrd", `cat > ${probe.stage}/initrd.img`, files.initrd);
    // The token is issued only now, when the node has all but the command line: a node that failed before holds none.
    const token = issueInstallToken(store, node, attributes["ip"] ?? "");
    tokenHash = tokenSha256(token);
    const network = nodeStaticNetwork(attributes);
    const cmdline = cloneKernelArgs({ server: deps.serverUrl, node, token, ...(network ? { network } : {}), onfail: "shell" });
    await remote("writing the command line", `cat > ${probe.stage}/cmdline`, `${cmdline}\n`);
    const armed = await remote("starting the clone initrd", `sh -s -- arm ${probe.method} ${probe.stage}`, script);
    const how = /^STARTED=(.*)$/m.exec(armed)?.[1] ?? probe.method;
    store.addEvent({ kind: "reinstall", node, osimage, message: `rinstall --kexec: ${how} into the clone initrd of ${osimage}`, data: { method: probe.method } });
    return probe.method;
  };
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        session?.close();
        reject(new SyscloneError("NODE_TIMEOUT", `${node} took longer than ${request.timeoutMs / 1000} s`, { hint: "raise --timeout, or look at the node" }));
      }, request.timeoutMs);
    });
    const method = await Promise.race([work(), timedOut]);
    report(method === "kexec" ? "kexec into the clone initrd" : "one-time grub entry set; rebooting into the clone initrd");
    return { node, ok: true, method, seconds: (Date.now() - started) / 1000 };
  } catch (caught) {
    const error = nodeFailure(caught);
    // A token the node never got is revoked at once, so it does not wait out its time to live.
    if (tokenHash !== undefined) {
      const install = store.installs.byToken(tokenHash);
      if (install) store.installs.end(install.id, "revoked");
    }
    report(`failed: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`);
    store.addEvent({ kind: "reinstall-failed", node, message: `rinstall --kexec: ${error.code}: ${error.message} (its next boot still installs ${set.osimage ?? ""})` });
    return { node, ok: false, seconds: (Date.now() - started) / 1000, error };
  } finally {
    clearTimeout(timer);
    session?.close();
  }
}

async function connectPinned(deps: KexecDeps, request: KexecRequest, node: string, attributes: Readonly<Record<string, string>>): Promise<SshSession> {
  const host = attributes["ip"] ?? "";
  if (host === "") throw new SyscloneError("NO_ADDRESS", `node ${node} has no ip`, { hint: `set it: chdef ${node} ip=ADDRESS` });
  const pinned = attributes["hostkey"] ?? "";
  // A reinstall hands the node a token that opens the image: only a node whose key is known gets one.
  if (pinned === "") {
    throw new SyscloneError("NO_PINNED_HOSTKEY", `node ${node} has no pinned SSH host key`, { hint: `pin it after checking its fingerprint on the console: updatenode ${node} -k --fingerprint SHA256:…` });
  }
  let privateKey: Buffer;
  try {
    privateKey = await readFile(deps.privateKeyFile);
  } catch {
    throw new SyscloneError("NO_SSH_KEY", `no SSH key at ${deps.privateKeyFile}`, { hint: "run `sysclone keys` to create it" });
  }
  const target: SshTarget = {
    node, host, port: Number(attributes["sshport"] || 22), user: attributes["sshuser"] || "root", privateKey, pinnedHostKey: pinned, readyTimeoutMs: request.connectTimeoutMs,
  };
  return (deps.connect ?? connectSsh)(target);
}

function remoteRunner(session: SshSession, node: string) {
  return async (what: string, command: string, stdin?: string | Buffer): Promise<string> => {
    const result = await session.exec(command, stdin === undefined ? {} : { stdin });
    if (result.code !== 0) {
      const output = `${result.stderr}${result.stdout.toString("utf8")}`.trim().split("\n").slice(-3).join(" | ");
      const code = result.code === 4 && what.startsWith("probing") ? "NO_REBOOT_METHOD" : "SSH_COMMAND_FAILED";
      throw new SyscloneError(code, `${what} failed on ${node} (exit ${result.code})${output ? `: ${output}` : ""}`, {
        ...(code === "NO_REBOOT_METHOD" ? { hint: `install kexec-tools on ${node} (or give it grub), or reinstall it by PXE: rinstall ${node} osimage=NAME` } : {}),
      });
    }
    return result.stdout.toString("utf8");
  };
}
