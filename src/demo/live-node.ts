import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { must } from "../exec/must.js";
import { run } from "../exec/runner.js";

/**
 * What a golden tree needs so its clones can be managed over SSH: this machine's OpenSSH
 * sshd and rsync with their libraries, users, an sshd_config, and the server's public key
 * in root's authorized_keys, just as on a golden client prepared for capture.
 */
export async function populateSshKit(root: string, serverPublicKey: string): Promise<void> {
  const binaries = ["/usr/sbin/sshd", "/usr/bin/rsync"];
  const files = new Set(binaries);
  for (const binary of binaries) {
    const ldd = (await must("ldd", [binary])).stdoutTail;
    for (const match of ldd.matchAll(/(\/\S+) \(0x/g)) if (match[1]) files.add(match[1]);
  }
  for (const file of files) {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(file, target);
    await chmod(target, 0o755);
  }
  await mkdir(path.join(root, "etc", "ssh"), { recursive: true });
  await writeFile(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nsshd:x:101:65534::/run/sshd:/bin/false\n");
  await writeFile(path.join(root, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  await writeFile(path.join(root, "etc", "nsswitch.conf"), "passwd: files\ngroup: files\nshadow: files\nhosts: files\n");
  await writeFile(
    path.join(root, "etc", "ssh", "sshd_config"),
    [
      "Port 22", "HostKey /etc/ssh/ssh_host_ed25519_key", "PermitRootLogin prohibit-password", "PasswordAuthentication no",
      "KbdInteractiveAuthentication no", "UsePAM no", "PidFile /run/sshd.pid", "LogLevel ERROR", "MaxStartups 128",
    ].join("\n") + "\n",
  );
  await regenerateHostKey(root);
  await mkdir(path.join(root, "root", ".ssh"), { recursive: true, mode: 0o700 });
  await writeFile(path.join(root, "root", ".ssh", "authorized_keys"), `${serverPublicKey.trim()}\n`, { mode: 0o600 });
  for (const dir of ["proc", "sys", "dev", "run", "tmp"]) await mkdir(path.join(root, dir), { recursive: true });
  await chmod(path.join(root, "tmp"), 0o1777);
}

/**
 * A new ed25519 host key in the tree: the golden client's own (imgcapture leaves its private half
 * out), or a node whose key changed. Clones make theirs on first boot (VirtualNode.firstBoot), not
 * here. Returns "type base64".
 */
export async function regenerateHostKey(root: string): Promise<string> {
  const key = path.join(root, "etc", "ssh", "ssh_host_ed25519_key");
  await rm(key, { force: true });
  await rm(`${key}.pub`, { force: true });
  await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key]);
  return (await readFile(`${key}.pub`, "utf8")).trim().split(" ").slice(0, 2).join(" ");
}

export interface NodeSshd {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * The node's own sshd, running chrooted in its root tree inside its network namespace, with
 * /dev and /proc mounted in a private mount namespace: over SSH the tree is the node's `/`.
 */
export async function startNodeSshd(namespace: string, address: string, root: string): Promise<NodeSshd> {
  const script = 'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" && mkdir -p "$0/run/sshd" && exec chroot "$0" /usr/sbin/sshd -D -e';
  const sshd: ChildProcess = spawn("ip", ["netns", "exec", namespace, "unshare", "--mount", "--propagation", "private", "sh", "-c", script, root], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  sshd.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (sshd.exitCode !== null || sshd.signalCode !== null) return;
    const exited = new Promise((resolve) => sshd.once("exit", resolve));
    sshd.kill("SIGKILL");
    await exited;
  };
  for (let i = 0; i < 200; i++) {
    if (sshd.exitCode !== null) throw new Error(`sshd in ${namespace} exited with ${sshd.exitCode}: ${stderr.trim()}`);
    const ss = await run("ip", ["netns", "exec", namespace, "ss", "-ltn", "sport = :22"]);
    if (ss.stdoutTail.includes(":22")) return { address, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`sshd in ${namespace} did not listen on port 22: ${stderr.trim()}`);
}
