import { describeNodeStatus, nodeStatuses } from "../nodes/status.js";
import { nodesOrAll } from "./objects.js";
import type { Command } from "./command.js";

export const nodestat: Command = {
  name: "nodestat",
  summary: "show each node's provisioning state, phase, progress and last error",
  usage: "nodestat [NODERANGE] [--json]",
  options: {},
  examples: ["nodestat compute", "nodestat n[01-10] --json"],
  run(args, deps) {
    const store = deps.store();
    const statuses = nodeStatuses(store, nodesOrAll(args.positionals, store));
    if (deps.out.json) deps.out.data(statuses);
    else for (const status of statuses) deps.out.line(describeNodeStatus(status));
    return Promise.resolve(0);
  },
};
