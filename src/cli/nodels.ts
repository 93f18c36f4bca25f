import { formatNodelsListing, nodelsListing } from "../noderange/listing.js";
import { expandNoderange } from "../noderange/noderange.js";
import type { Command } from "./command.js";
import { backendOf } from "./local-backend.js";

export const nodels: Command = {
  name: "nodels",
  summary: "list the nodes of a noderange, and their attributes",
  usage: "nodels [NODERANGE] [-H|--with-fieldname] [-b|--blame] [-S] [ATTR | table.column | ATTR==VALUE | ATTR!=VALUE | ATTR=~REGEX | ATTR!~REGEX]...",
  description: "xCAT's nodels: the nodes of a noderange (every node when none is given), sorted. Columns are attribute names or xCAT's table.column where one maps; a column written ATTR==VALUE (!=, =~, !~) selects nodes instead of showing a value. Names that are neither nodes nor groups are refused together (exit 4).",
  optionHelp: { "with-fieldname": "print node: column: value even for one column", blame: "accepted for xCAT scripts; changes nothing", S: "accepted for xCAT scripts; changes nothing" },
  options: {
    "with-fieldname": { type: "boolean", short: "H" },
    blame: { type: "boolean", short: "b" },
    S: { type: "boolean", short: "S" },
  },
  examples: ["nodels node[01-10],-node05", "nodels compute@rack1", "nodels compute groups", "nodels all groups==compute osimage", "nodels n1 nodelist"],
  remote: true,
  async run(args, deps) {
    const context = (await backendOf(deps).fleet(["node", "group"])).noderange;
    const [range, ...columns] = args.positionals;
    const nodes = range === undefined ? context.allNodes : expandNoderange(range, context, { verify: true });
    const listing = nodelsListing(nodes, columns, args.values["with-fieldname"] === true, {
      attributeNames: context.attributeNames ?? [],
      attribute: (node, name) => context.attribute?.(node, name) ?? "",
    });
    if (deps.out.json) {
      deps.out.data(listing.columns.length === 0 ? listing.rows.map((row) => row.node) : listing.rows.map((row) => ({ node: row.node, values: Object.fromEntries(row.values.map((v) => [v.label, v.value])) })));
    } else {
      for (const line of formatNodelsListing(listing)) deps.out.line(line);
    }
    return 0;
  },
};
