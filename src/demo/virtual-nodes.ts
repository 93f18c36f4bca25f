import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentPath } from "../config/paths.js";
import { must } from "../exec/must.js";
import { run, type RunResult } from "../exec/runner.js";

/**
 * Virtual nodes: network namespaces on a bridge of their own, each cloning into a directory
 * with the real clone client (agent/clone) — the initrd's work minus the disks. The bridge
 * holds the server's address in the host namespace. destroy() undoes everything.
 */
export interface VirtualNode {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly mac: string;
  readonly hostVeth: string;
  /** The clone's root: the directory the node clones into. */
  readonly target: string;
  /**
   * `pathPrefix`: a directory searched first for the client's tools (a test's stand-ins). `signingKey`: the
   * server's public signing key (PEM) the node checks the plan and manifest with, as an initrd carries it; by
   * default the host asks the server for it (GET /signing-key.pem), outside the node's network.
   */
  clone(options: { server: string; token: string; timeoutMs?: number; pathPrefix?: string; signingKey?: string }): Promise<CloneRun>;
  /**
   * The clone's first boot, as its units run it: `sysclone-firstboot hostkeys` (the SSH host keys
   * it makes for itself, before sshd), then the report to the server, in the node's network under
   * its own host name. Nothing else gives a virtual node its host keys.
   */
  firstBoot(options?: { timeoutSeconds?: number }): Promise<RunResult>;
}

export interface CloneRun {
  readonly code: number | null;
  readonly stderr: string;
  /** The node's own clone log. */
  readonly log: string;
}

export interface ProvisioningNetwork {
  readonly bridge: string;
  readonly serverAddress: string;
  readonly workDir: string;
  /** `target`: clone into this directory instead of one under the network's work directory. */
  addNode(name: string, options?: { target?: string }): Promise<VirtualNode>;
  destroy(): Promise<void>;
}

type Undo = () => Promise<unknown>;

async function serverSigningKey(server: string): Promise<string> {
  const response = await fetch(`${server}/signing-key.pem`);
  if (!response.ok) throw new Error(`${server}/signing-key.pem answered HTTP ${response.status}`);
  return response.text();
}

export async function createProvisioningNetwork(options: { subnet?: number } = {}): Promise<ProvisioningNetwork> {
  const id = randomBytes(3).toString("hex");
  const subnet = options.subnet ?? 1 + (parseInt(id, 16) % 250);
  const bridge = `scbr${id}`;
  const serverAddress = `10.232.${subnet}.1`;
  const workDir = await mkdtemp(path.join(tmpdir(), "sysclone-vnodes-"));
  const undo: Undo[] = [async () => rm(workDir, { recursive: true, force: true })];
  const destroy = async (): Promise<void> => {
    for (const step of undo.reverse().splice(0)) await step().catch(() => undefined);
  };
  // The initrd's HTTP client is busybox wget; virtual nodes use the same one.
  const tools = path.join(workDir, "tools");
  await mkdir(tools);
  await symlink("/bin/busybox", path.join(tools, "wget"));
  let count = 0;
  try {
    await must("ip", ["link", "add", bridge, "type", "bridge"]);
    undo.push(async () => run("ip", ["link", "del", bridge]));
    await must("ip", ["addr", "add", `${serverAddress}/24`, "brd", "+", "dev", bridge]);
    // An IPv6 ULA lets serve's dnsmasq answer iPXE's router solicitations at once (see DnsmasqConfig).
    await must("ip", ["addr", "add", `fd5c:${subnet.toString(16)}::1/64`, "dev", bridge]);
    await must("ip", ["link", "set", bridge, "up"]);
  } catch (error) {
    await destroy();
    throw error;
  }
  const addNode = async (name: string, nodeOptions: { target?: string } = {}): Promise<VirtualNode> => {
    count++;
    const namespace = `scvn-${id}-${count}`;
    const hostVeth = `scv${id}${count}`;
    const address = `10.232.${subnet}.${10 + count}`;
    const mac = `52:54:00:${id.slice(0, 2)}:${id.slice(2, 4)}:${count.toString(16).padStart(2, "0")}`;
    const target = nodeOptions.target ?? path.join(workDir, name, "root");
    await mkdir(target, { recursive: true });
    await must("ip", ["netns", "add", namespace]);
    undo.push(async () => run("ip", ["netns", "del", namespace]));
    await must("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", namespace]);
    undo.push(async () => run("ip", ["link", "del", hostVeth]));
    await must("ip", ["link", "set", hostVeth, "master", bridge, "up"]);
    const inNs = (...args: string[]) => must("ip", ["netns", "exec", namespace, ...args]);
    await inNs("ip", "link", "set", "eth0", "address", mac);
    await inNs("ip", "addr", "add", `${address}/24`, "brd", "+", "dev", "eth0");
    await inNs("ip", "link", "set", "eth0", "up");
    await inNs("ip", "link", "set", "lo", "up");
    const work = path.join(workDir, name, "work");
    const firstBoot = ({ timeoutSeconds = 60 } = {}): Promise<RunResult> => {
      const reporter = path.join(target, "usr", "local", "sbin", "sysclone-firstboot");
      const boot = 'hostname "$0" && /bin/bash "$1" hostkeys && exec /bin/bash "$1"';
      return run("ip", [
        "netns", "exec", namespace, "unshare", "--uts", "env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        `SYSCLONE_ROOT=${target}`, `SYSCLONE_FIRSTBOOT_TIMEOUT=${timeoutSeconds}`, "sh", "-c", boot, name, reporter,
      ]);
    };
    return {
      name,
      namespace,
      address,
      mac,
      hostVeth,
      target,
      firstBoot,
      clone: async ({ server, token, timeoutMs, pathPrefix, signingKey }) => {
        const keyFile = path.join(workDir, name, "signing.pub");
        // A node given its own target has no directory of its own under workDir yet.
        await mkdir(path.dirname(keyFile), { recursive: true });
        await writeFile(keyFile, signingKey ?? (await serverSigningKey(server)));
        return new Promise((resolve, reject) => {
          const child = spawn(
            "ip",
            [
              "netns", "exec", namespace, "env", "-i",
              `PATH=${pathPrefix ? `${pathPrefix}:` : ""}${tools}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
              `SC_SERVER=${server}`, `SC_NODE=${name}`, `SC_TOKEN=${token}`, `SC_TARGET_DIR=${target}`, `SC_WORK=${work}`, `SC_SIGNING_KEY=${keyFile}`,
              "sh", agentPath(path.join("clone", "sysclone-clone.sh")),
            ],
            { stdio: ["ignore", "ignore", "pipe"] },
          );
          let stderr = "";
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs ?? 300_000);
          child.on("error", reject);
          child.on("close", (code) => {
            clearTimeout(timer);
            readFile(path.join(work, "clone.log"), "utf8")
              .catch(() => "")
              .then((log) => resolve({ code, stderr, log }), reject);
          });
        });
      },
    };
  };
  return { bridge, serverAddress, workDir, addNode, destroy };
}
