import { describeNodeInventory, nodeInventoryView } from "../inventory/view.js";
import type { Command } from "./command.js";
import { backendOf } from "./local-backend.js";
import { fleetNodesOrAll } from "./objects.js";

export const inventory: Command = {
  name: "inventory",
  summary: "show each node's hardware (CPU, memory, disks, NICs, DMI) and what changed since its last install",
  usage: "sysclone inventory [NODERANGE] [--changed] [--json]",
  options: { changed: { type: "boolean" } },
  description: [
    "Every boot into the clone initrd reports the machine's hardware: an install (before its pre-install scripts run) and a maintenance shell (nodeset NODE shell), a discovered machine's too (chdef discovered-… osimage=IMAGE, nodeset discovered-… shell), so it can be judged before it is assigned; its reports follow it to the node it becomes. This shows each node's newest report and compares it with the one of its last finished install: a swapped disk (another serial), a disk gone or added, less memory, fewer CPUs, a NIC gone, another board.",
    "Exit status 0; with --changed only nodes whose hardware changed are shown, and the status is 1 when there is one (for scripts and monitoring).",
  ].join("\n\n"),
  optionHelp: { changed: "only nodes whose hardware changed since their last install; exit 1 when there is one", json: "one object per node: its inventory, when and how it was taken, and the changes" },
  examples: [
    "sysclone inventory n01",
    "sysclone inventory compute --changed",
    "sysclone inventory discovered-525400123456 --json",
    "sysclone inventory rack1 --json | jq '.[] | {node, memory: .inventory.memoryBytes, disks: [.inventory.disks[].serial]}'",
  ],
  async run(args, deps) {
    const fleet = await backendOf(deps).fleet(["node", "group"]);
    const nodes = fleetNodesOrAll(args.positionals, fleet);
    const store = deps.store();
    const onlyChanged = args.values["changed"] === true;
    const views = nodes.map((node) => nodeInventoryView(store.inventories, node)).filter((view) => !onlyChanged || view.changes.length > 0);
    if (deps.out.json) deps.out.data(views);
    else for (const view of views) deps.out.line(describeNodeInventory(view));
    return onlyChanged && views.length > 0 ? 1 : 0;
  },
};
