import { auditedChange, localRoot, recordAudit } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "../image/names.js";
import { imageReaders, reconcileRecords, versionReaders } from "../image/records.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { stringValue, type Command } from "./command.js";

function inUse(what: string, nodes: readonly string[]): SyscloneError {
  const shown = nodes.slice(0, 10).join(", ") + (nodes.length > 10 ? ` and ${nodes.length - 10} more` : "");
  return new SyscloneError("IMAGE_IN_USE", `${what} is being installed on ${nodes.length} node(s): ${shown}`, {
    hint: "wait for those installs to finish (nodestat), cancel them (nodeset NODE boot), or remove anyway with --force (they will fail)",
  });
}

export const rmimage: Command = {
  name: "rmimage",
  summary: "remove an osimage (files and definition) or one of its versions",
  usage: "rmimage OSIMAGE [-v VERSION] [--force]",
  description: "Takes the osimage's capture lock (IMAGE_LOCKED while a capture runs) and refuses what live installs still read (IMAGE_IN_USE, naming the nodes). A version leaves the listing in one rename before its files are deleted, so lsimage never shows a half-deleted one.",
  optionHelp: { version: "remove only this version, not the whole osimage", force: "remove it even though live installs read it (they fail)" },
  options: { version: { type: "string", short: "v" }, force: { type: "boolean" } },
  examples: ["rmimage rocky9 -v 2", "rmimage rocky9"],
  async run(args, deps) {
    const [raw, ...extra] = args.positionals;
    if (!raw || extra.length > 0) throw new SyscloneError("USAGE", "rmimage takes one osimage", { hint: `usage: ${rmimage.usage}` });
    const name = checkImageName(raw);
    const store = deps.store();
    store.requireObject("osimage", name);
    const versionText = stringValue(args, "version");
    const version = versionText === undefined ? undefined : Number(versionText.replace(/^v/, ""));
    if (versionText !== undefined && (!Number.isInteger(version) || (version ?? 0) < 1)) throw new SyscloneError("USAGE", `"${versionText}" is not a version number`);
    const force = args.values["force"] === true;
    // The capture lock: no capture of this image runs while it is removed, and what a killed one left goes first.
    const release = await deps.repository.lockImage(name);
    try {
      await reconcileRecords(store, deps.repository, name);
      if (version !== undefined) {
        const readers = versionReaders(store, name).get(version) ?? [];
        if (readers.length > 0 && !force) throw inUse(`${name} v${version}`, readers);
        await deps.repository.removeVersion(name, version, () => store.deleteImageVersion(name, version));
        const current = await deps.repository.currentVersion(name);
        auditedChange(store, localRoot, "rmimage", () => {
          recordAudit(store, { actor: localRoot.name, via: localRoot.via, from: localRoot.from, action: "rmimage", type: "osimage", name, before: { version: String(version) }, after: { version: "" } });
          store.updateObject("osimage", name, { currentversion: current === undefined ? "" : String(current) });
          store.addEvent({ kind: "image-version-removed", osimage: name, message: `removed ${name} v${version}${readers.length > 0 ? ` while installs read it (${readers.join(", ")})` : ""}` });
        }, ["osimage"]);
        deps.out.line(`removed ${name} v${version}${current === undefined ? "" : `; current is v${current}`}`);
      } else {
        const readers = imageReaders(store, name);
        if (readers.length > 0 && !force) throw inUse(name, readers);
        await deps.repository.removeImage(name, () =>
          auditedChange(store, localRoot, "rmimage", () => {
            store.deleteImageVersion(name);
            store.deleteObject("osimage", name);
            store.addEvent({ kind: "image-removed", osimage: name, message: `removed ${name}${readers.length > 0 ? ` while installs read it (${readers.join(", ")})` : ""}` });
          }, ["osimage"]),
        );
        deps.out.line(`removed osimage ${name}`);
      }
    } finally {
      release();
    }
    await exportClusterXmlFile(store, deps.home.clusterXml);
    return 0;
  },
};
