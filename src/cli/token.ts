import { issueToken, requireUser, revokeToken, tokenState } from "../auth/accounts.js";
import { parseExpiry } from "../auth/expiry.js";
import { localRoot } from "../audit/record.js";
import { SyscloneError } from "../errors/errors.js";
import { stringValue, type Command } from "./command.js";

export const token: Command = {
  name: "token",
  summary: "add, list or revoke users' API tokens (kept as hashes; a token is shown once)",
  usage: "sysclone token add USER [--expires 30d|2031-01-31|never] [--json] | token list [USER] [--json] | token revoke ID",
  description: "Tokens are kept as sha256 hashes; a new one is shown once. A revoked or expired token is refused by the API.",
  optionHelp: { expires: "when the token expires: 30d, 2031-01-31 or never (default)" },
  options: { expires: { type: "string" } },
  examples: ["sysclone token add alice --expires 30d", "sysclone token list alice", "sysclone token revoke 7"],
  run(args, deps) {
    const [verb, operand, ...rest] = args.positionals;
    if (verb !== "add" && args.values["expires"] !== undefined) throw new SyscloneError("USAGE", "--expires goes with token add", { hint: `usage: ${token.usage}` });
    if (rest.length > 0) throw new SyscloneError("USAGE", `token ${verb ?? ""} takes one operand`, { hint: `usage: ${token.usage}` });
    const store = deps.store();
    switch (verb) {
      case "add": {
        if (operand === undefined) throw new SyscloneError("USAGE", "token add needs a user name", { hint: `usage: ${token.usage}` });
        const expiresAt = parseExpiry(stringValue(args, "expires") ?? "never", new Date());
        const issued = issueToken(store, operand, expiresAt, localRoot);
        const expires = expiresAt === "" ? "never" : expiresAt;
        if (deps.out.json) deps.out.data({ user: issued.user, tokenId: issued.id, expires, token: issued.token });
        else {
          deps.out.line(`API token ${issued.id} for ${issued.user} (expires ${expires}), shown only now:`);
          deps.out.line(issued.token);
        }
        return Promise.resolve(0);
      }
      case "list": {
        if (operand !== undefined) requireUser(store, operand);
        const now = new Date();
        const rows = store.users.tokens(operand).map((t) => ({
          id: t.id,
          user: t.user,
          state: tokenState(t, now),
          created: t.createdAt,
          expires: t.expiresAt === "" ? "never" : t.expiresAt,
          lastUsed: t.lastUsedAt === "" ? "never" : t.lastUsedAt,
          ...(t.revokedAt === "" ? {} : { revoked: t.revokedAt }),
        }));
        if (deps.out.json) deps.out.data(rows);
        else if (rows.length === 0) deps.out.line(operand === undefined ? "no API tokens" : `${operand} has no API tokens`);
        else for (const row of rows) deps.out.line(`${String(row.id).padStart(4)}  ${row.user.padEnd(16)} ${row.state.padEnd(7)} created=${row.created} expires=${row.expires} last-used=${row.lastUsed}`);
        return Promise.resolve(0);
      }
      case "revoke": {
        if (operand === undefined || !/^[1-9]\d{0,15}$/.test(operand)) throw new SyscloneError("USAGE", `token revoke needs a token id (a number), not ${JSON.stringify(operand ?? "")}`, { hint: "sysclone token list shows the ids" });
        const revoked = revokeToken(store, Number(operand), localRoot);
        if (deps.out.json) deps.out.data({ revoked: revoked.id, user: revoked.user });
        else deps.out.line(`API token ${revoked.id} of ${revoked.user} revoked`);
        return Promise.resolve(0);
      }
      default:
        throw new SyscloneError("USAGE", verb === undefined ? "token needs add, list or revoke" : `unknown token subcommand ${JSON.stringify(verb)}`, { hint: `usage: ${token.usage}` });
    }
  },
};
