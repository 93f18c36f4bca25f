import { expandNoderange } from "../noderange/noderange.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import type { Command } from "./command.js";

export const nodels: Command = {
  name: "nodels",
  summary: "expand a noderange, one node a line",
  usage: "nodels [NODERANGE]",
  options: {},
  examples: ["nodels node[01-10],-node05", "nodels compute@rack1"],
  run(args, deps) {
    const store = deps.store();
    const nodes = args.positionals.length > 0 ? expandNoderange(args.positionals.join(","), storeNoderangeContext(store)) : store.listNames("node");
    if (deps.out.json) deps.out.data(nodes);
    else for (const node of nodes) deps.out.line(node);
    return Promise.resolve(0);
  },
};
