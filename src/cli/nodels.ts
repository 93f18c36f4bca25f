import { nodesOrAll } from "./objects.js";
import type { Command } from "./command.js";

export const nodels: Command = {
  name: "nodels",
  summary: "expand a noderange, one node a line",
  usage: "nodels [NODERANGE]",
  options: {},
  examples: ["nodels node[01-10],-node05", "nodels compute@rack1"],
  run(args, deps) {
    const store = deps.store();
    const nodes = nodesOrAll(args.positionals, store);
    if (deps.out.json) deps.out.data(nodes);
    else for (const node of nodes) deps.out.line(node);
    return Promise.resolve(0);
  },
};
