import { formatAuditLine } from "../audit/describe.js";
import { SyscloneError } from "../errors/errors.js";
import { checkUserName } from "../auth/accounts.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { positiveIntegerOption, stringValue, type Command } from "./command.js";
import { expandNames } from "./objects.js";

const auditTypes = ["node", "group", "osimage", "user", "token"] as const;

export const audit: Command = {
  name: "audit",
  summary: "who changed what, when, from where: before → after (nodes, groups, osimages, users, tokens)",
  usage: "sysclone audit [noderange] [-t node|group|osimage|user|token [NAMES]] [--actor NAME] [--limit N] [--json]",
  description: "Every change made at the shell (as root) or through the API (as its user) is recorded with who, when, from where and the object before and after.",
  optionHelp: { type: "the type of the objects named: node, group, osimage, user or token", actor: "only changes made by this user (root for the shell)", limit: "the newest N records (default 1000)" },
  options: { type: { type: "string", short: "t" }, actor: { type: "string" }, limit: { type: "string" } },
  examples: ["sysclone audit n01", "sysclone audit rack1 --limit 20", "sysclone audit -t user alice", "sysclone audit --actor alice --json"],
  run(args, deps) {
    const typeText = stringValue(args, "type");
    const type = typeText ?? (args.positionals.length > 0 ? "node" : undefined);
    if (type !== undefined && !(auditTypes as readonly string[]).includes(type)) {
      throw new SyscloneError("USAGE", `unknown audit object type ${JSON.stringify(type)}`, { hint: `use -t ${auditTypes.join("|")}` });
    }
    const actor = stringValue(args, "actor");
    if (actor !== undefined && actor !== "root") checkUserName(actor);
    const limit = positiveIntegerOption(args, "limit", 1000);
    const store = deps.store();
    let names: string[] | undefined;
    if (args.positionals.length > 0) {
      // A removed node keeps its history: names not defined now are taken as they are.
      if (type === "node" || type === "group" || type === "osimage") names = expandNames(type, args.positionals, store, type === "node" ? storeNoderangeContext(store) : undefined);
      else names = args.positionals.flatMap((p) => p.split(",")).filter((n) => n !== "");
    }
    const records = store.audit.list({ ...(type === undefined ? {} : { type }), ...(names === undefined ? {} : { names }), ...(actor === undefined ? {} : { actor }), limit });
    if (deps.out.json) deps.out.data(records);
    else if (records.length === 0) deps.out.line("no changes recorded");
    else for (const record of records) deps.out.line(formatAuditLine(record));
    return Promise.resolve(0);
  },
};
