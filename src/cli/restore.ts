import path from "node:path";
import { acquireServeLock } from "../../server/serve-lock.js";
import { localRoot, recordAudit } from "../audit/record.js";
import { describeCounts, restoreBackup } from "../backup/restore.js";
import { SyscloneError } from "../errors/errors.js";
import type { Command } from "./command.js";

export const restore: Command = {
  name: "restore",
  summary: "bring back the state a sysclone backup wrote (nodes, groups, osimages, version records, users, tokens, keys)",
  usage: "sysclone restore FILE [--force] [--json]",
  options: { force: { type: "boolean" } },
  optionHelp: { force: "replace the state of a home whose database already holds nodes, groups, osimages, users or tokens (its var/ is kept as var.before-restore-TIME)" },
  description: `Everything is checked before the home changes: the manifest, the schema version (a backup from a newer sysclone is refused), the sha256 of every member and the database's soundness, in a directory beside var/. Then the home's var/ is renamed aside (var.before-restore-TIME, kept) and the restored one renamed into place. A database from an older sysclone is upgraded on first use, with a copy kept.

A home whose database holds anything is refused unless --force is given; sysclone serve must be stopped first. The images are not in a backup: copy images/ from the old server with rsync -aH.`,
  examples: ["sysclone restore /root/sysclone-2026-01-31.tar", "sysclone restore /root/sysclone-2026-01-31.tar --force --json"],
  async run(args, deps) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) throw new SyscloneError("USAGE", "restore takes one backup file", { hint: `usage: ${restore.usage}` });
    // Held while var/ is replaced, so a serve cannot start on half of it; refused while one runs.
    const release = acquireServeLock(path.join(deps.home.state, "serve.lock"));
    let result;
    try {
      result = await restoreBackup({ home: deps.home, file, force: args.values["force"] === true, now: new Date() });
    } finally {
      release();
    }
    const { manifest } = result;
    const store = deps.store();
    recordAudit(store, { actor: localRoot.name, via: localRoot.via, from: localRoot.from, action: "restore", type: "home", name: deps.home.home, before: result.previous === undefined ? null : { kept: result.previous }, after: { file: result.file, schema: String(manifest.schema), sysclone: manifest.sysclone, createdAt: manifest.createdAt } });
    if (deps.out.json) {
      deps.out.data({ file: result.file, sysclone: manifest.sysclone, schema: manifest.schema, createdAt: manifest.createdAt, restored: result.restored, previous: result.previous ?? null, members: manifest.members.map((m) => m.path) });
      return 0;
    }
    for (const member of manifest.members) deps.out.line(`${member.path}: restored, sha256 checked`);
    if (result.previous !== undefined) deps.out.line(`the previous state is kept in ${result.previous}`);
    deps.out.line(`restore: ${describeCounts(result.restored)} from ${result.file} (sysclone ${manifest.sysclone}, schema ${manifest.schema}, made ${manifest.createdAt}); the images are not in it: copy images/ with rsync -aH into ${deps.home.images}`);
    return 0;
  },
};
