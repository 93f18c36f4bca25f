import { nodesOrAll } from "./objects.js";
import type { Command } from "./command.js";
import { formatBytes } from "./output.js";

export const nodestat: Command = {
  name: "nodestat",
  summary: "show each node's provisioning state, phase, progress and last error",
  usage: "nodestat [NODERANGE] [--json]",
  options: {},
  examples: ["nodestat compute", "nodestat n[01-10] --json"],
  run(args, deps) {
    const store = deps.store();
    const names = nodesOrAll(args.positionals, store);
    const rows = names.map((name) => {
      const node = store.requireObject("node", name);
      return {
        node: name,
        state: node["state"] ?? "",
        destiny: node["destiny"] ?? "",
        phase: node["phase"] ?? "",
        percent: node["percent"] === "" || node["percent"] === undefined ? undefined : Number(node["percent"]),
        bytes: node["bytes"] === "" || node["bytes"] === undefined ? undefined : Number(node["bytes"]),
        lastError: node["lasterror"] ?? "",
        ...(node["bootedat"] ? { bootedAt: node["bootedat"] } : {}),
        ...(node["mcastsession"] ? {
          multicast: {
            session: node["mcastsession"],
            rateBytesPerSecond: node["mcastrate"] ? Number(node["mcastrate"]) : undefined,
            retransmits: node["mcastretransmits"] || undefined,
          },
        } : {}),
      };
    });
    if (deps.out.json) {
      deps.out.data(rows);
      return Promise.resolve(0);
    }
    for (const row of rows) {
      const progress = [row.phase, row.percent === undefined ? "" : `${row.percent}%`, row.bytes ? formatBytes(row.bytes) : ""].filter((p) => p !== "").join(" ");
      const mcast = row.multicast
        ? `; multicast ${row.multicast.session}${row.multicast.rateBytesPerSecond ? ` at ${formatBytes(row.multicast.rateBytesPerSecond)}/s` : ""}${row.multicast.retransmits ? `, retransmits ${row.multicast.retransmits}` : ""}`
        : "";
      const booted = row.state === "booted" && row.bootedAt ? ` at ${row.bootedAt}` : "";
      deps.out.line(`${row.node}: ${row.state}${booted}${progress ? ` (${progress})` : ""}${mcast}${row.lastError ? ` — ${row.lastError}` : ""}`);
    }
    return Promise.resolve(0);
  },
};
