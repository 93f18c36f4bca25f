import { describeNodeStatus, nodeStatuses } from "../nodes/status.js";
import { fleetNodesOrAll } from "./objects.js";
import type { Command } from "./command.js";
import { backendOf } from "./local-backend.js";

export const nodestat: Command = {
  name: "nodestat",
  summary: "show each node's provisioning state, phase, progress and last error",
  usage: "nodestat [NODERANGE] [--json]",
  description: "One line per node: its state (defined, discovered, ready, installing, installed, booted, failed), the install's phase, percent and bytes, the multicast session and the last error.",
  options: {},
  examples: ["nodestat compute", "nodestat n[01-10] --json"],
  remote: true,
  async run(args, deps) {
    const fleet = await backendOf(deps).fleet(["node", "group"]);
    const statuses = nodeStatuses(fleet, fleetNodesOrAll(args.positionals, fleet));
    if (deps.out.json) deps.out.data(statuses);
    else for (const status of statuses) deps.out.line(describeNodeStatus(status));
    return 0;
  },
};
