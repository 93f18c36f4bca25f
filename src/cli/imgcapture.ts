import { localRoot, recordAudit } from "../audit/record.js";
import { captureImage, pauseAtPoint } from "../capture/capture.js";
import { SyscloneError } from "../errors/errors.js";
import { stringList, stringValue, type Command } from "./command.js";
import { captureReporter, formatBytes } from "./output.js";

export const imgcapture: Command = {
  name: "imgcapture",
  summary: "capture a golden client into a new version of an osimage",
  usage: "imgcapture NODE -t sysclone -o OSIMAGE [--root PATH] [--layout FILE] [--exclude PATTERN]… [--dry-run] [--json]",
  description: "Copies a golden client's tree over SSH (rsync through sysclone's own SSH connection, key auth, host key pinned) into images/OSIMAGE/vN: unchanged files are hard-linked to the previous version, so a new version costs only what changed. The disk layout, a manifest with every file's sha256 and image.json are written with it; the version becomes current only by the final switch of images/OSIMAGE/current, so a capture that fails or is interrupted leaves the previous version current.\n\nExcluded: /proc, /sys, /dev, /run, /tmp contents, caches, swap files, the SSH host private keys, what is mounted but is no disk filesystem, images/OSIMAGE.exclude, the osimage's exclude= and --exclude.",
  optionHelp: { type: "the provisioning method; only sysclone", osimage: "the osimage to capture into (created when missing)", root: "capture the tree mounted under PATH on the golden client instead of /", layout: "the disk layout to record (SystemImager autoinstallscript.conf), for a --root that is no mount point", exclude: "an rsync pattern to leave out of the capture", "dry-run": "show the layout and the excludes; copy nothing" },
  options: {
    type: { type: "string", short: "t" },
    osimage: { type: "string", short: "o" },
    root: { type: "string" },
    layout: { type: "string" },
    exclude: { type: "string", multiple: true },
    "dry-run": { type: "boolean" },
  },
  examples: ["imgcapture golden01 -t sysclone -o rocky9", "imgcapture golden01 -t sysclone -o rocky9 --root /mnt/disk"],
  async run(args, deps) {
    const [node, ...extra] = args.positionals;
    if (!node || extra.length > 0) throw new SyscloneError("USAGE", "imgcapture takes exactly one node", { hint: `usage: ${imgcapture.usage}` });
    const osimage = stringValue(args, "osimage");
    if (osimage === undefined) throw new SyscloneError("USAGE", "imgcapture needs -o OSIMAGE", { hint: `usage: ${imgcapture.usage}` });
    const { out } = deps;
    const started = Date.now();
    const store = deps.store();
    const before = store.getObject("osimage", osimage);
    const result = await captureImage(
      {
        node,
        osimage,
        provmethod: stringValue(args, "type") ?? "sysclone",
        root: stringValue(args, "root") ?? "/",
        layoutFile: stringValue(args, "layout"),
        excludes: stringList(args, "exclude"),
        dryRun: args.values["dry-run"] === true,
      },
      {
        store,
        repository: deps.repository,
        privateKeyFile: deps.home.privateKey,
        rshProgram: deps.rshProgram,
        clusterXml: deps.home.clusterXml,
        signal: deps.signal,
        reporter: captureReporter(out, `${node}: `),
        ...pauseAtPoint(process.env["SYSCLONE_CAPTURE_PAUSE"], deps.signal, (line) => process.stderr.write(`${line}\n`)),
      },
    );
    out.endProgress();
    if (!result.dryRun) {
      // A capture changes the osimage (a new current version, or a new osimage): audited like every change.
      recordAudit(store, { actor: localRoot.name, via: localRoot.via, from: localRoot.from, action: "imgcapture", type: "osimage", name: osimage, before: before ?? null, after: store.getObject("osimage", osimage) ?? null });
    }
    const seconds = (Date.now() - started) / 1000;
    if (out.json) {
      out.data({ ...result.info, versionDir: result.versionDir, pruned: result.pruned, deferred: result.deferred, warnings: result.warnings, seconds, dryRun: result.dryRun, layout: result.layout });
    } else if (result.dryRun) {
      out.line(`${node}: dry run: would capture ${result.info.root} into ${osimage}; ${result.layout.disks.length} disk(s), ${result.layout.filesystems.length} filesystem entries`);
      for (const pattern of result.info.excludes) out.line(`  exclude ${pattern}`);
    } else {
      out.line(`${node}: captured ${osimage} v${result.info.version} in ${seconds.toFixed(1)} s: ${formatBytes(result.info.sizeBytes)}, ${formatBytes(result.info.newBytes)} new`);
      if (result.pruned.length > 0) out.line(`${node}: removed old version(s) ${result.pruned.map((v) => `v${v}`).join(", ")}`);
    }
    return 0;
  },
};
