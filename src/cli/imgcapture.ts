import { localRoot, recordAudit } from "../audit/record.js";
import { captureImage, pauseAtPoint } from "../capture/capture.js";
import { SyscloneError } from "../errors/errors.js";
import { stringList, stringValue, type Command } from "./command.js";
import { captureReporter, formatBytes } from "./output.js";

export const imgcapture: Command = {
  name: "imgcapture",
  summary: "capture a golden client into a new version of an osimage",
  usage: "imgcapture NODE -t sysclone -o OSIMAGE [--root PATH] [--layout FILE] [--exclude PATTERN]… [--dry-run] [--json]",
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
