import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentPath } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { run } from "../exec/runner.js";
import { copyTreeInsideRoot } from "../image/inside-root.js";
import { checkImageName } from "../image/names.js";
import { kernelOfImage } from "../netboot/kernel.js";
import { loadOrCreateSigningKey, publicKeyPem, signingKeyFile } from "../install/signing.js";
import { stringValue, type Command } from "./command.js";

export const initrdBuild: Command = {
  name: "initrd build",
  summary: "build the clone kernel and initrd for an osimage (its own kernel by default)",
  usage: "sysclone initrd build OSIMAGE [--kernel VMLINUZ --modules /lib/modules/VERSION] [--add PATH]... [--json]",
  description: "The clone kernel and initrd go to images/OSIMAGE/netboot/. By default the kernel the golden client ran and its modules are taken from the image, every symlink followed inside it; the initrd carries the server's public signing key and refuses answers not signed with it.",
  options: { kernel: { type: "string" }, modules: { type: "string" }, add: { type: "string", multiple: true } },
  examples: [
    "sysclone initrd build rocky9",
    "sysclone initrd build rocky9 --kernel /boot/vmlinuz-6.1.0-56-amd64 --modules /lib/modules/6.1.0-56-amd64",
    "sysclone initrd build rocky9 --add /opt/MegaRAID/storcli/storcli64   # a vendor RAID tool for a pre-install script",
  ],
  optionHelp: { kernel: "a kernel of this server instead of the image's", modules: "the modules directory that goes with --kernel", add: "copy this file of the server (with the shared libraries it needs) into the initrd, at the same path and in /sbin by name; repeatable" },
  async run(args, deps) {
    const [osimage, ...extra] = args.positionals;
    if (!osimage || extra.length > 0) throw new SyscloneError("USAGE", "initrd build takes exactly one osimage", { hint: `usage: ${initrdBuild.usage}` });
    checkImageName(osimage);
    deps.store().requireObject("osimage", osimage);
    const version = await deps.repository.currentVersion(osimage);
    if (version === undefined) throw new SyscloneError("NO_IMAGE_VERSION", `osimage ${osimage} has no captured version`, { hint: `capture one: imgcapture GOLDEN -t sysclone -o ${osimage}` });
    const given = { kernel: stringValue(args, "kernel"), modules: stringValue(args, "modules") };
    if ((given.kernel === undefined) !== (given.modules === undefined)) throw new SyscloneError("USAGE", "--kernel and --modules go together");
    const added = await addedFiles(args.values["add"]);
    const root = path.join(deps.repository.versionDir(osimage, version), "root");
    const choice = given.kernel !== undefined && given.modules !== undefined
      ? { kernel: path.resolve(given.kernel), modules: path.resolve(given.modules), version: path.basename(given.modules) }
      : await kernelOfImage(root, (await deps.repository.info(osimage, version)).runningKernel);
    const out = path.join(deps.repository.imageDir(osimage), "netboot");
    // The initrd carries the server's public signing key and refuses a plan or manifest it did not sign.
    const signingKey = path.join(out, "signing.pub");
    await mkdir(out, { recursive: true });
    await writeFile(signingKey, publicKeyPem(await loadOrCreateSigningKey(signingKeyFile(deps.home.state))));
    deps.out.line(`${osimage}: building the clone initrd with kernel ${choice.version}`);
    // The image's modules are copied out first, each symlink followed inside the image, so build.sh reads no file of this host through them.
    const staged = "modulesDir" in choice ? await mkdtemp(path.join(tmpdir(), "sysclone-modules-")) : undefined;
    let result;
    try {
      const modules = staged === undefined ? choice.modules : path.join(staged, choice.version);
      if ("modulesDir" in choice) await copyTreeInsideRoot(root, choice.modulesDir, modules);
      result = await run("bash", [agentPath(path.join("initrd", "build.sh")), "--kernel", choice.kernel, "--modules", modules, "--signing-key", signingKey, "--out", out, ...added.flatMap((file) => ["--add", file])], { signal: deps.signal });
    } finally {
      if (staged !== undefined) await rm(staged, { recursive: true, force: true });
    }
    if (result.exitCode !== 0) {
      throw new SyscloneError("INITRD_BUILD_FAILED", `building the initrd failed: ${result.stderrTail.trim().split("\n").slice(-3).join(" ")}`, { hint: "run `npm run setup` if a tool is missing" });
    }
    const record = { osimage, imageVersion: version, kernelVersion: choice.version, kernel: path.join(out, "kernel"), initrd: path.join(out, "initrd.img"), builtAt: new Date().toISOString() };
    await writeFile(path.join(out, "netboot.json"), `${JSON.stringify(record, null, 2)}\n`);
    if (deps.out.json) deps.out.data(record);
    else deps.out.line(`${osimage}: ${result.stdoutTail.trim()}\n  kernel ${record.kernel}\n  initrd ${record.initrd}`);
    return 0;
  },
};

/** --add PATH…: each an existing regular file (symlinks followed), as an absolute path; checked before anything is built. */
async function addedFiles(value: string | boolean | string[] | undefined): Promise<string[]> {
  const given = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return Promise.all(
    given.map(async (file) => {
      const absolute = path.resolve(file);
      const info = await stat(absolute).catch(() => undefined);
      if (!info?.isFile()) throw new SyscloneError("USAGE", `--add ${file}: no such file on this server`, { hint: "give the path of the tool to copy into the initrd, e.g. --add /opt/MegaRAID/storcli/storcli64" });
      return absolute;
    }),
  );
}
