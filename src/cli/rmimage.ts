import { SyscloneError } from "../errors/errors.js";
import { checkImageName } from "../image/names.js";
import { exportClusterXmlFile } from "../cluster/sync.js";
import { stringValue, type Command } from "./command.js";

export const rmimage: Command = {
  name: "rmimage",
  summary: "remove an osimage (files and definition) or one of its versions",
  usage: "rmimage OSIMAGE [-v VERSION]",
  options: { version: { type: "string", short: "v" } },
  async run(args, deps) {
    const [raw, ...extra] = args.positionals;
    if (!raw || extra.length > 0) throw new SyscloneError("USAGE", "rmimage takes one osimage", { hint: `usage: ${rmimage.usage}` });
    const name = checkImageName(raw);
    const store = deps.store();
    store.requireObject("osimage", name);
    const versionText = stringValue(args, "version");
    if (versionText !== undefined) {
      const version = Number(versionText.replace(/^v/, ""));
      if (!Number.isInteger(version) || version < 1) throw new SyscloneError("USAGE", `"${versionText}" is not a version number`);
      await deps.repository.removeVersion(name, version);
      const current = await deps.repository.currentVersion(name);
      store.transaction(() => {
        store.deleteImageVersion(name, version);
        store.updateObject("osimage", name, { currentversion: current === undefined ? "" : String(current) });
        store.addEvent({ kind: "image-version-removed", osimage: name, message: `removed ${name} v${version}` });
      });
      deps.out.line(`removed ${name} v${version}${current === undefined ? "" : `; current is v${current}`}`);
    } else {
      await deps.repository.removeImage(name);
      store.transaction(() => {
        store.deleteImageVersion(name);
        store.deleteObject("osimage", name);
        store.addEvent({ kind: "image-removed", osimage: name, message: `removed ${name}` });
      });
      deps.out.line(`removed osimage ${name}`);
    }
    await exportClusterXmlFile(store, deps.home.clusterXml);
    return 0;
  },
};
