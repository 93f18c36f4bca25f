import { writeFile } from "node:fs/promises";
import path from "node:path";
import { agentPath } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { run } from "../exec/runner.js";
import { checkImageName } from "../image/names.js";
import { kernelOfImage } from "../netboot/kernel.js";
import { stringValue, type Command } from "./command.js";

export const initrdBuild: Command = {
  name: "initrd build",
  summary: "build the clone kernel and initrd for an osimage (its own kernel by default)",
  usage: "sysclone initrd build OSIMAGE [--kernel VMLINUZ --modules /lib/modules/VERSION] [--json]",
  options: { kernel: { type: "string" }, modules: { type: "string" } },
  examples: ["sysclone initrd build rocky9", "sysclone initrd build rocky9 --kernel /boot/vmlinuz-6.1.0-56-amd64 --modules /lib/modules/6.1.0-56-amd64"],
  async run(args, deps) {
    const [osimage, ...extra] = args.positionals;
    if (!osimage || extra.length > 0) throw new SyscloneError("USAGE", "initrd build takes exactly one osimage", { hint: `usage: ${initrdBuild.usage}` });
    checkImageName(osimage);
    deps.store().requireObject("osimage", osimage);
    const version = await deps.repository.currentVersion(osimage);
    if (version === undefined) throw new SyscloneError("NO_IMAGE_VERSION", `osimage ${osimage} has no captured version`, { hint: `capture one: imgcapture GOLDEN -t sysclone -o ${osimage}` });
    const given = { kernel: stringValue(args, "kernel"), modules: stringValue(args, "modules") };
    if ((given.kernel === undefined) !== (given.modules === undefined)) throw new SyscloneError("USAGE", "--kernel and --modules go together");
    const info = await deps.repository.info(osimage, version);
    const choice =
      given.kernel !== undefined && given.modules !== undefined
        ? { kernel: path.resolve(given.kernel), modules: path.resolve(given.modules), version: path.basename(given.modules) }
        : await kernelOfImage(path.join(deps.repository.versionDir(osimage, version), "root"), info.runningKernel);
    const out = path.join(deps.repository.imageDir(osimage), "netboot");
    deps.out.line(`${osimage}: building the clone initrd with kernel ${choice.version}`);
    const result = await run("bash", [agentPath(path.join("initrd", "build.sh")), "--kernel", choice.kernel, "--modules", choice.modules, "--out", out], { signal: deps.signal });
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
