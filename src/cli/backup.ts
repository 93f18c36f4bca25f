import { localRoot, recordAudit } from "../audit/record.js";
import { createBackup } from "../backup/backup.js";
import { syscloneVersion } from "../config/version.js";
import { SyscloneError } from "../errors/errors.js";
import type { Command } from "./command.js";
import { formatBytes } from "./output.js";

export const backup: Command = {
  name: "backup",
  summary: "write the server's state (database, keys, settings, users and tokens) to one file; not the images",
  usage: "sysclone backup FILE [--json]",
  options: {},
  description: `The file is a tar, mode 0600, written beside FILE and renamed into place. It holds manifest.json (the sysclone version, the schema version, the size, mode and sha256 of every member), the database as SQLite's online backup takes it (consistent while sysclone serve keeps running: every node, group, osimage, version record, install, user, API token, setting and the audit log) and the keys and settings of var/ (ssh/, signing.key, server.key, secrets.key). Logs, caches and earlier backups are left out.

The images are not in it: copy images/ to the new server with rsync -aH (hard links between versions kept). sysclone restore FILE brings the state back on a fresh server.`,
  examples: ["sysclone backup /root/sysclone-$(date +%F).tar", "sysclone backup /srv/backups/sysclone.tar --json"],
  async run(args, deps) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) throw new SyscloneError("USAGE", "backup takes one file to write", { hint: `usage: ${backup.usage}` });
    const store = deps.store();
    const result = await createBackup({ home: deps.home, store, file, version: syscloneVersion(), now: new Date() });
    const { manifest } = result;
    recordAudit(store, { actor: localRoot.name, via: localRoot.via, from: localRoot.from, action: "backup", type: "home", name: deps.home.home, before: null, after: { file: result.file, schema: String(manifest.schema), members: String(manifest.members.length) } });
    if (deps.out.json) {
      deps.out.data({ file: result.file, bytes: result.bytes, sysclone: manifest.sysclone, schema: manifest.schema, createdAt: manifest.createdAt, members: manifest.members });
      return 0;
    }
    for (const member of manifest.members) deps.out.line(`${member.path}: ${formatBytes(member.size)}, sha256 ${member.sha256.slice(0, 16)}…`);
    deps.out.line(`backup: ${result.file} (${manifest.members.length} files, ${formatBytes(result.bytes)}, schema ${manifest.schema}, sysclone ${manifest.sysclone}); the images are not in it: copy ${deps.home.images} with rsync -aH`);
    return 0;
  },
};
