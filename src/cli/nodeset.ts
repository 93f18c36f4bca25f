import { SyscloneError } from "../errors/errors.js";
import { expandNoderange } from "../noderange/noderange.js";
import { normaliseAttributes } from "../objects/schema.js";
import { osimageOf } from "../install/resolve.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Command } from "./command.js";

export const nodeset: Command = {
  name: "nodeset",
  summary: "set what nodes get on their next boot: an install of an osimage, or the local disk",
  usage: "nodeset NODERANGE osimage=NAME|install|boot [--json]",
  options: {},
  examples: ["nodeset compute osimage=rocky9", "nodeset n[01-04] boot"],
  run(args, deps) {
    const [range, action, ...extra] = args.positionals;
    if (!range || !action || extra.length > 0) throw new SyscloneError("USAGE", "nodeset takes a noderange and one action", { hint: `usage: ${nodeset.usage}` });
    const store = deps.store();
    const nodes = expandNoderange(range, storeNoderangeContext(store));
    let osimage: string | undefined;
    if (action.startsWith("osimage=")) {
      osimage = normaliseAttributes("node", { osimage: action.slice("osimage=".length) })["osimage"];
      if (!osimage) throw new SyscloneError("USAGE", "osimage= needs a name");
      store.requireObject("osimage", osimage);
    } else if (action !== "install" && action !== "boot") {
      throw new SyscloneError("USAGE", `unknown nodeset action "${action}"`, { hint: `usage: ${nodeset.usage}` });
    }
    const results = store.transaction(() =>
      nodes.map((node) => {
        if (action === "boot") {
          store.updateObject("node", node, { destiny: "boot" });
          for (const live of store.installs.live()) if (live.node === node) store.installs.end(live.id, "revoked");
          return { node, destiny: "boot" };
        }
        if (osimage !== undefined) store.updateObject("node", node, { osimage });
        const image = osimageOf(store, node);
        store.updateObject("node", node, { destiny: "install", state: "ready", lasterror: "" });
        store.addEvent({ kind: "nodeset", node, osimage: image, message: `next boot installs ${image}` });
        return { node, destiny: `install ${image}` };
      }),
    );
    if (deps.out.json) deps.out.data(results);
    else for (const r of results) deps.out.line(`${r.node}: ${r.destiny}`);
    return Promise.resolve(0);
  },
};
