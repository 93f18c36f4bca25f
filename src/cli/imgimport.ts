import path from "node:path";
import { localRoot, recordAudit } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { importImage } from "../image/import/import.js";
import { parseDiskFormat } from "../image/import/source.js";
import { stringValue, type Command } from "./command.js";
import { formatBytes } from "./output.js";

export const imgimport: Command = {
  name: "imgimport",
  summary: "import a disk image from an image builder (KIWI, mkosi, Packer, cloud qcow2) as a new version of an osimage",
  usage: "imgimport FILE -o OSIMAGE [-t raw|qcow2|vmdk] [--json]",
  description:
    "Reads the image's partition table, copies each filesystem (ext2/3/4, xfs, btrfs through read-only loop mounts; vfat with mtools) into a new version, writes layout.xml from the table and the image's /etc/fstab, and records the file's name, format and sha256. A .raw.xz is decompressed; qcow2 and vmdk are converted with qemu-img. LVM, LUKS and md members inside the image are refused.",
  options: {
    osimage: { type: "string", short: "o" },
    type: { type: "string", short: "t" },
  },
  examples: ["imgimport rocky9.x86_64-1.0.0.raw.xz -o rocky9", "imgimport packer-output/debian12.qcow2 -o debian12 -t qcow2", "imgimport mkosi.output/image.raw -o fedora"],
  async run(args, deps) {
    const [file, ...extra] = args.positionals;
    if (!file || extra.length > 0) throw new SyscloneError("USAGE", "imgimport takes exactly one disk image file", { hint: `usage: ${imgimport.usage}` });
    const osimage = stringValue(args, "osimage");
    if (osimage === undefined) throw new SyscloneError("USAGE", "imgimport needs -o OSIMAGE", { hint: `usage: ${imgimport.usage}` });
    const format = parseDiskFormat(stringValue(args, "type"));
    const { out } = deps;
    const started = Date.now();
    const store = deps.store();
    const before = store.getObject("osimage", osimage);
    const result = await importImage(
      { file, osimage, format },
      { store, repository: deps.repository, clusterXml: deps.home.clusterXml, workDir: path.join(deps.home.state, "tmp"), say: (line) => { if (line.startsWith("warning: ")) out.warn(`${osimage}: ${line.slice(9)}`); else if (!out.json) out.line(`${osimage}: ${line}`); }, signal: deps.signal },
    );
    recordAudit(store, { actor: localRoot.name, via: localRoot.via, from: localRoot.from, action: "imgimport", type: "osimage", name: osimage, before: before ?? null, after: store.getObject("osimage", osimage) ?? null });
    const seconds = (Date.now() - started) / 1000;
    for (const warning of result.warnings) out.warn(`${osimage}: ${warning}`);
    if (out.json) {
      out.data({ ...result.info, versionDir: result.versionDir, mounts: result.mounts, warnings: result.warnings, pruned: result.pruned, seconds, layout: result.layout });
    } else {
      out.line(`${osimage}: imported ${result.source.file} (${result.source.format}${result.source.compression === "xz" ? ", xz" : ""}) as v${result.info.version} in ${seconds.toFixed(1)} s: ${formatBytes(result.info.sizeBytes)}, ${result.info.fileCount} entries, ${formatBytes(result.info.newBytes)} new`);
      if (result.pruned.length > 0) out.line(`${osimage}: removed old version(s) ${result.pruned.map((v) => `v${v}`).join(", ")}`);
    }
    return 0;
  },
};
