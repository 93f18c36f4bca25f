import { addUser, deleteUser, parseGroups, requireUser, setPassword, tokenState } from "../auth/accounts.js";
import { parseExpiry } from "../auth/expiry.js";
import { parseRole } from "../auth/policy.js";
import { localRoot } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { stringValue, type Command, type ParsedArgs } from "./command.js";
import { readPassword } from "./secret-input.js";

function oneName(args: ParsedArgs, verb: string): string {
  const [, name, ...rest] = args.positionals;
  if (name === undefined || rest.length > 0) throw new SyscloneError("USAGE", `user ${verb} takes one user name`, { hint: `usage: ${user.usage}` });
  return name;
}

export const user: Command = {
  name: "user",
  summary: "add, list, remove users (admin, operator, viewer) and set their passwords",
  usage: "sysclone user add NAME --role admin|operator|viewer [--groups G1,G2] [--expires 30d] [--json] | user list [--json] | user del NAME | user passwd NAME",
  description: "Roles: a viewer reads; an operator plans, runs nodeset and boots nodes in its groups; an admin does everything. user add prints the user's first API token once; passwords (for the dashboard) are read from the terminal or standard input, never from the command line. Every change is audited.",
  optionHelp: { role: "admin, operator or viewer", groups: "the groups an operator or viewer may see and act on (default: all)", expires: "when the user expires: 30d, 2031-01-31 or never" },
  options: { role: { type: "string" }, groups: { type: "string" }, expires: { type: "string" } },
  examples: [
    "sysclone user add alice --role operator --groups rack1,rack2   (prints alice's API token once)",
    "sysclone user add ci --role viewer --expires 90d --json",
    "sysclone user passwd alice   (at a terminal, or: sysclone user passwd alice < password-file)",
  ],
  async run(args, deps) {
    const verb = args.positionals[0];
    if (verb !== "add" && (args.values["role"] !== undefined || args.values["groups"] !== undefined || args.values["expires"] !== undefined)) {
      throw new SyscloneError("USAGE", "--role, --groups and --expires go with user add", { hint: `usage: ${user.usage}` });
    }
    switch (verb) {
      case "add": {
        const name = oneName(args, "add");
        const roleText = stringValue(args, "role");
        if (roleText === undefined) throw new SyscloneError("USAGE", "user add needs --role admin|operator|viewer", { hint: `usage: ${user.usage}` });
        const role = parseRole(roleText);
        const groups = parseGroups(stringValue(args, "groups") ?? "");
        const expiresAt = parseExpiry(stringValue(args, "expires") ?? "never", new Date());
        const store = deps.store();
        const added = addUser(store, { name, role, groups, expiresAt }, localRoot);
        for (const group of added.emptyGroups) deps.out.warn(`group ${group} has no nodes yet: ${name} sees none there until some join it`);
        if (deps.out.json) deps.out.data({ user: name, role, groups, tokenId: added.token.id, expires: expiresAt === "" ? "never" : expiresAt, token: added.token.token });
        else {
          deps.out.line(`user ${name} added (${role}${groups.length > 0 ? `, groups ${groups.join(",")}` : ""}); API token ${added.token.id}, shown only now:`);
          deps.out.line(added.token.token);
        }
        return 0;
      }
      case "list": {
        if (args.positionals.length > 1) throw new SyscloneError("USAGE", "user list takes no names", { hint: `usage: ${user.usage}` });
        const store = deps.store();
        const now = new Date();
        const rows = store.users.list().map((u) => ({
          user: u.name,
          role: u.role,
          groups: u.groups.join(","),
          password: u.passwordHash !== "",
          activeTokens: store.users.tokens(u.name).filter((t) => tokenState(t, now) === "active").length,
          created: u.createdAt,
        }));
        if (deps.out.json) deps.out.data(rows);
        else if (rows.length === 0) deps.out.line("no users (sysclone user add NAME --role ROLE adds one)");
        else {
          for (const row of rows) {
            deps.out.line(`${row.user.padEnd(16)} ${row.role.padEnd(8)} groups=${row.groups === "" ? "(all)" : row.groups} password=${row.password ? "set" : "none"} tokens=${row.activeTokens} created=${row.created}`);
          }
        }
        return 0;
      }
      case "del": {
        const name = oneName(args, "del");
        deleteUser(deps.store(), name, localRoot);
        if (deps.out.json) deps.out.data({ removed: name });
        else deps.out.line(`user ${name} and its tokens removed`);
        return 0;
      }
      case "passwd": {
        const name = oneName(args, "passwd");
        const store = deps.store();
        requireUser(store, name);
        await setPassword(store, name, await readPassword(name, deps.stdin), localRoot);
        if (deps.out.json) deps.out.data({ user: name, password: "set" });
        else deps.out.line(`password of ${name} set`);
        return 0;
      }
      default:
        throw new SyscloneError("USAGE", verb === undefined ? "user needs add, list, del or passwd" : `unknown user subcommand ${JSON.stringify(verb)}`, { hint: `usage: ${user.usage}` });
    }
  },
};
