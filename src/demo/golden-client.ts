import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { must } from "../exec/must.js";
import { run } from "../exec/runner.js";

/**
 * A golden client on this machine: its own network namespace with the real OpenSSH
 * sshd, and a root tree on loop-backed ext4 filesystems (/ and a separate /var).
 * Everything it sets up is undone by destroy(), also after a failure half-way.
 */
export interface GoldenClient {
  readonly namespace: string;
  readonly address: string;
  readonly port: number;
  readonly root: string;
  readonly workDir: string;
  readonly hostKeyPublic: string;
  authorize(publicKey: string): Promise<void>;
  /** A second sshd on another port whose view of the filesystem hides rsync. */
  startSshdWithoutRsync(port: number): Promise<void>;
  destroy(): Promise<void>;
}

export interface GoldenClientOptions {
  readonly rootSizeMiB?: number;
  readonly varSizeMiB?: number;
  /** Fills the mounted tree before sshd starts. */
  readonly populate?: (root: string) => Promise<void>;
  /** Subnet index 1–250: 10.231.<index>.0/24. */
  readonly subnet?: number;
}

type Undo = () => Promise<unknown>;

async function waitForPort(namespace: string, address: string, port: number, sshd: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (sshd.exitCode !== null) throw new Error(`sshd exited with ${sshd.exitCode}`);
    const ss = await run("ip", ["netns", "exec", namespace, "ss", "-ltn", `sport = :${port}`]);
    if (ss.stdoutTail.includes(`:${port}`)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not listen on ${address}:${port}`);
}

export async function createGoldenClient(options: GoldenClientOptions = {}): Promise<GoldenClient> {
  const id = randomBytes(3).toString("hex");
  const subnet = options.subnet ?? 1 + (parseInt(id, 16) % 250);
  const namespace = `scgold-${id}`;
  const hostVeth = `scg${id}h`;
  const nsVeth = `scg${id}n`;
  const hostAddress = `10.231.${subnet}.1`;
  const address = `10.231.${subnet}.2`;
  const workDir = await mkdtemp(path.join(tmpdir(), "sysclone-golden-"));
  const root = path.join(workDir, "root");
  const undo: Undo[] = [async () => rm(workDir, { recursive: true, force: true })];
  const sshds: ChildProcess[] = [];
  const destroy = async (): Promise<void> => {
    for (const sshd of sshds) if (sshd.exitCode === null) sshd.kill("SIGKILL");
    await Promise.all(sshds.map((sshd) => (sshd.exitCode === null ? new Promise((resolve) => sshd.once("exit", resolve)) : Promise.resolve())));
    for (const step of undo.reverse().splice(0)) await step().catch(() => undefined);
  };
  try {
    const loops: string[] = [];
    const makeFs = async (name: string, sizeMiB: number, mountPoint: string): Promise<void> => {
      const image = path.join(workDir, `${name}.img`);
      await must("truncate", ["-s", `${sizeMiB}M`, image]);
      await must("mkfs.ext4", ["-q", "-F", "-L", `golden-${name}`, image]);
      const loop = (await must("losetup", ["--find", "--show", image])).stdoutTail.trim();
      loops.push(loop);
      undo.push(async () => run("losetup", ["-d", loop]));
      await mkdir(mountPoint, { recursive: true });
      await must("mount", ["-o", "acl,user_xattr", loop, mountPoint]);
      undo.push(async () => run("umount", ["-l", mountPoint]));
    };
    await makeFs("root", options.rootSizeMiB ?? 512, root);
    await makeFs("var", options.varSizeMiB ?? 128, path.join(root, "var"));
    const rootLoop = loops[0] ?? "";
    const varLoop = loops[1] ?? "";
    await mkdir(path.join(root, "etc"), { recursive: true });
    await writeFile(
      path.join(root, "etc", "fstab"),
      `# golden client fstab\n${rootLoop} / ext4 defaults,acl 0 1\n${varLoop} /var ext4 defaults 0 2\nproc /proc proc defaults 0 0\n`,
    );
    if (options.populate) await options.populate(root);

    await must("ip", ["netns", "add", namespace]);
    undo.push(async () => run("ip", ["netns", "del", namespace]));
    await must("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", nsVeth]);
    undo.push(async () => run("ip", ["link", "del", hostVeth]));
    await must("ip", ["link", "set", nsVeth, "netns", namespace]);
    await must("ip", ["addr", "add", `${hostAddress}/24`, "brd", "+", "dev", hostVeth]);
    await must("ip", ["link", "set", hostVeth, "up"]);
    await must("ip", ["netns", "exec", namespace, "ip", "addr", "add", `${address}/24`, "brd", "+", "dev", nsVeth]);
    await must("ip", ["netns", "exec", namespace, "ip", "link", "set", nsVeth, "up"]);
    await must("ip", ["netns", "exec", namespace, "ip", "link", "set", "lo", "up"]);

    const sshDir = path.join(workDir, "ssh");
    await mkdir(sshDir, { recursive: true, mode: 0o700 });
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const hostKey = path.join(sshDir, "host_ed25519");
    await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    const authorizedKeys = path.join(sshDir, "authorized_keys");
    await writeFile(authorizedKeys, "", { mode: 0o600 });
    const config = (port: number): string =>
      [
        `Port ${port}`, `ListenAddress ${address}`, `HostKey ${hostKey}`, `AuthorizedKeysFile ${authorizedKeys}`,
        "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "UsePAM no", "StrictModes no", `PidFile ${path.join(sshDir, `sshd-${port}.pid`)}`, "LogLevel ERROR", "MaxStartups 64",
      ].join("\n") + "\n";
    const startSshd = async (port: number, wrapper: readonly string[]): Promise<void> => {
      const file = path.join(sshDir, `sshd_config_${port}`);
      await writeFile(file, config(port));
      const sshd = spawn("ip", ["netns", "exec", namespace, ...wrapper, "/usr/sbin/sshd", "-D", "-e", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
      sshds.push(sshd);
      await waitForPort(namespace, address, port, sshd);
    };
    await startSshd(22, []);
    const hostKeyPublic = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(" ").slice(0, 2).join(" ");
    return {
      namespace, address, port: 22, root, workDir, hostKeyPublic,
      authorize: async (publicKey) => writeFile(authorizedKeys, `${publicKey.trim()}\n`, { mode: 0o600 }),
      startSshdWithoutRsync: async (port) => {
        const decoy = path.join(workDir, "not-rsync");
        await writeFile(decoy, "", { mode: 0o644 });
        const rsync = (await must("sh", ["-c", "command -v rsync"])).stdoutTail.trim();
        await startSshd(port, ["unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$0" "$1" && shift && exec "$@"`, decoy, rsync]);
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
