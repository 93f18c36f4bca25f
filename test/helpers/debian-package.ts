import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { debianGoldenTarball } from "../../src/demo/debian-golden.js";
import { must } from "../../src/exec/must.js";
import { run, type RunResult } from "../../src/exec/runner.js";
import { projectRoot } from "./cli.js";

/** `npm run package` on the build the set-up made (scripts/package.sh --prebuilt); the .deb's path. */
export async function buildPackage(): Promise<string> {
  const result = await must("bash", [path.join(projectRoot, "scripts", "package.sh"), "--prebuilt"], { timeoutMs: 300_000 });
  return result.stdoutTail.trim().split("\n").at(-1) ?? "";
}

const cleanPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

export interface InstalledRoot {
  readonly root: string;
  /** A command inside the root, with a clean environment (nothing of this host's but PATH). */
  chroot(args: readonly string[], env?: readonly string[]): Promise<RunResult>;
  /** Unmounts what the root borrowed from the host (proc, dev); the root stays for a VM disk. */
  release(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * The packages the root lacks for `deb`, fetched once from this machine's apt sources into
 * test/fixtures/cache/debs (the only step that may reach the Debian archive; later runs find them
 * there), then served to the root as a flat local repository.
 */
async function localRepository(root: string, deb: string): Promise<string> {
  const cache = path.join(projectRoot, "test", "fixtures", "cache", "debs");
  await mkdir(path.join(cache, "partial"), { recursive: true });
  const depends = (await must("dpkg-deb", ["-f", deb, "Depends"])).stdoutTail.split(",").map((relation) => relation.replace(/\(.*\)/, "").trim()).filter((name) => name !== "");
  const download = (): Promise<RunResult> => run("apt-get", ["install", "--download-only", "-y", "-q", "--no-install-recommends",
    "-o", `Dir::State::status=${path.join(root, "var", "lib", "dpkg", "status")}`, "-o", `Dir::Cache::archives=${cache}`, ...depends], { timeoutMs: 600_000 });
  // A machine whose package lists were cleaned learns them first, as test/vm/debian-kernel.sh does.
  if ((await download()).exitCode !== 0) {
    await must("apt-get", ["update", "-q"], { timeoutMs: 600_000 });
    const again = await download();
    if (again.exitCode !== 0) throw new Error(`apt-get could not fetch sysclone's dependencies: ${again.stderrTail.slice(-1000)}`);
  }
  const repo = path.join(root, "tmp", "sysclone-repo");
  await mkdir(repo, { recursive: true });
  const files = [...(await readdir(cache)).filter((name) => name.endsWith(".deb")).map((name) => path.join(cache, name)), deb];
  const stanzas: string[] = [];
  for (const file of files) {
    const target = path.join(repo, path.basename(file));
    await must("cp", [file, target]);
    const fields = (await must("dpkg-deb", ["-f", target])).stdoutTail.trimEnd();
    const bytes = await readFile(target);
    stanzas.push(`${fields}\nFilename: ./${path.basename(file)}\nSize: ${bytes.length}\nSHA256: ${createHash("sha256").update(bytes).digest("hex")}\n`);
  }
  await writeFile(path.join(repo, "Packages"), `${stanzas.join("\n")}\n`);
  return "/tmp/sysclone-repo";
}

/**
 * A fresh Debian 12 root (the golden client's debootstrap cache) with `deb` installed by apt from a
 * local repository, as an admin installs it, with no network. Services are not started inside the
 * root (policy-rc.d), and the root's initramfs is not rebuilt for lvm2's and mdadm's hooks: neither
 * is sysclone's to test.
 */
export async function installIntoFreshRoot(deb: string): Promise<InstalledRoot> {
  const root = await mkdtemp(path.join(tmpdir(), "sysclone-root-"));
  const mounts: string[] = [];
  const chroot = (args: readonly string[], env: readonly string[] = []): Promise<RunResult> =>
    run("chroot", [root, "env", "-i", cleanPath, "DEBIAN_FRONTEND=noninteractive", ...env, ...args], { timeoutMs: 300_000 });
  const release = async (): Promise<void> => {
    for (const mount of mounts.splice(0).reverse()) await run("umount", ["-l", mount]);
  };
  const installed: InstalledRoot = {
    root,
    chroot,
    release,
    async destroy() {
      await release();
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await must("tar", ["-xpf", await debianGoldenTarball(), "-C", root]);
    for (const [source, target, type] of [["proc", "proc", "proc"], ["/dev", "dev", "bind"], ["/dev/pts", "dev/pts", "bind"]] as const) {
      const at = path.join(root, target);
      await must("mount", type === "bind" ? ["--bind", source, at] : ["-t", type, source, at]);
      mounts.push(at);
    }
    const policy = path.join(root, "usr", "sbin", "policy-rc.d");
    await writeFile(policy, "#!/bin/sh\nexit 101\n", { mode: 0o755 });
    const initramfsConf = path.join(root, "etc", "initramfs-tools", "update-initramfs.conf");
    const initramfs = await readFile(initramfsConf, "utf8");
    await writeFile(initramfsConf, initramfs.replace(/^update_initramfs=.*$/m, "update_initramfs=no"));
    const repo = await localRepository(root, deb);
    const sources = path.join(root, "etc", "apt", "sources.list.d", "sysclone-local.list");
    await writeFile(sources, `deb [trusted=yes] file:${repo} ./\n`);
    for (const args of [["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "sysclone"]]) {
      const result = await chroot(args);
      if (result.exitCode !== 0) throw new Error(`${args.join(" ")} in the root failed:\n${result.stdoutTail.slice(-3000)}\n${result.stderrTail.slice(-2000)}`);
    }
    await rm(sources);
    for (const list of await readdir(path.join(root, "var", "lib", "apt", "lists"))) {
      if (list.includes("sysclone-repo")) await rm(path.join(root, "var", "lib", "apt", "lists", list));
    }
    await rm(path.join(root, repo), { recursive: true, force: true });
    await rm(policy);
    await writeFile(initramfsConf, initramfs);
    return installed;
  } catch (error) {
    await installed.destroy();
    throw error;
  }
}

/** The mode bits of a path inside the root, as "0700". */
export async function modeOf(file: string): Promise<string> {
  return `0${((await stat(file)).mode & 0o7777).toString(8)}`;
}
