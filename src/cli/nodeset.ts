import { parseNodesetAction } from "../boot/destiny.js";
import { SyscloneError } from "../errors/errors.js";
import { expandNoderange } from "../noderange/noderange.js";
import { normaliseAttributes } from "../objects/schema.js";
import { osimageOf } from "../install/resolve.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Command } from "./command.js";

export const nodeset: Command = {
  name: "nodeset",
  summary: "set what nodes get on their next boot: an install of an osimage (optionally after wiping the disks), the local disk, or a maintenance shell",
  usage: "nodeset NODERANGE osimage=NAME|install|boot|shell|wipe,osimage=NAME [--json]",
  options: {},
  examples: ["nodeset compute osimage=rocky9", "nodeset n[01-04] boot", "nodeset n07 shell", "nodeset n07 wipe,osimage=rocky9"],
  run(args, deps) {
    const [range, actionText, ...extra] = args.positionals;
    if (!range || !actionText || extra.length > 0) throw new SyscloneError("USAGE", "nodeset takes a noderange and one action", { hint: `usage: ${nodeset.usage}` });
    const action = parseNodesetAction(actionText);
    const store = deps.store();
    const nodes = expandNoderange(range, storeNoderangeContext(store));
    const osimage = action.osimage === undefined ? undefined : normaliseAttributes("node", { osimage: action.osimage })["osimage"];
    if (osimage !== undefined) store.requireObject("osimage", osimage);
    const wipes = action.destiny === "wipe,install";
    // One immediate transaction: the live installs read are the ones revoked, whatever serve commits meanwhile.
    const results = store.transaction(() => {
      const liveByNode = new Map(store.installs.live().map((install) => [install.node, install]));
      return nodes.map((node) => {
        // A new destiny ends the install under way: its token and rsync secret stop working, and the next boot gets a fresh one.
        const live = liveByNode.get(node);
        if (live) store.installs.end(live.id, "revoked");
        if (action.destiny === "boot" || action.destiny === "shell") {
          store.updateObject("node", node, { destiny: action.destiny });
          store.addEvent({ kind: "nodeset", node, message: action.destiny === "boot" ? "next boot: local disk" : "next boot: maintenance shell" });
          return { node, destiny: action.destiny };
        }
        if (osimage !== undefined) store.updateObject("node", node, { osimage });
        const image = osimageOf(store, node);
        store.updateObject("node", node, { destiny: action.destiny, state: "ready", lasterror: "" });
        store.addEvent({ kind: "nodeset", node, osimage: image, message: `next boot ${wipes ? "wipes every disk, then installs" : "installs"} ${image}${live ? " (the install under way is revoked)" : ""}` });
        return { node, destiny: `${wipes ? "wipe, " : ""}install ${image}` };
      });
    });
    if (deps.out.json) deps.out.data(results);
    else for (const r of results) deps.out.line(`${r.node}: ${r.destiny}`);
    return Promise.resolve(0);
  },
};
