import { mkdir, symlink, writeFile, link, truncate, open } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { must } from "../../src/exec/must.js";

/** A tree with everything a faithful capture must keep. Device nodes live under /srv since /dev/* is excluded. */
export async function populateFidelityTree(root: string, options: { largeFileMiB?: number } = {}): Promise<void> {
  const srv = path.join(root, "srv", "fidelity");
  await mkdir(path.join(srv, "nested", "deeper"), { recursive: true });
  await mkdir(path.join(root, "var", "lib", "app"), { recursive: true });
  await mkdir(path.join(root, "home", "user"), { recursive: true });
  await writeFile(path.join(srv, "hard-a"), "hard linked content\n");
  await link(path.join(srv, "hard-a"), path.join(srv, "hard-b"));
  await link(path.join(srv, "hard-a"), path.join(srv, "nested", "hard-c"));
  await symlink("/etc/fstab", path.join(srv, "absolute-link"));
  await symlink("../hard-a", path.join(srv, "nested", "relative-link"));
  await symlink("/does/not/exist", path.join(srv, "dangling-link"));
  await writeFile(path.join(srv, "with-xattr"), "xattr\n");
  await must("setfattr", ["-n", "user.sysclone", "-v", "golden", path.join(srv, "with-xattr")]);
  await writeFile(path.join(srv, "with-acl"), "acl\n");
  await must("setfacl", ["-m", "u:1234:rw-,g:2345:r--", path.join(srv, "with-acl")]);
  await must("setfacl", ["-d", "-m", "u:1234:rwx", path.join(srv, "nested")]);
  const sparse = path.join(srv, "sparse");
  await writeFile(sparse, "start");
  await truncate(sparse, 64 * 1024 * 1024);
  const handle = await open(sparse, "r+");
  await handle.write("end", 64 * 1024 * 1024 - 3);
  await handle.close();
  await must("mknod", [path.join(srv, "char-dev"), "c", "1", "3"]);
  await must("mknod", [path.join(srv, "block-dev"), "b", "7", "200"]);
  await must("mkfifo", [path.join(srv, "fifo")]);
  await writeFile(path.join(srv, "name with spaces"), "spaces\n");
  await writeFile(path.join(srv, "name\nwith\nnewlines"), "newlines\n");
  await writeFile(path.join(srv, "ünïcødé-名前-😀"), "utf8\n");
  await writeFile(path.join(srv, "empty"), "");
  await writeFile(path.join(srv, "setuid"), "#!/bin/sh\n", { mode: 0o4755 });
  await must("chown", ["4321:5432", path.join(srv, "setuid")]);
  await must("chmod", ["4755", path.join(srv, "setuid")]);
  await must("chown", ["-h", "4321:5432", path.join(srv, "dangling-link")]);
  for (let i = 0; i < 200; i++) await writeFile(path.join(root, "var", "lib", "app", `file-${i}`), randomBytes(2048 + i));
  await writeFile(path.join(root, "home", "user", "notes.txt"), "golden\n");
  await writeFile(path.join(srv, "large"), randomBytes((options.largeFileMiB ?? 48) * 1024 * 1024));
  // Contents that must never be captured:
  await mkdir(path.join(root, "tmp"), { recursive: true, mode: 0o1777 });
  await writeFile(path.join(root, "tmp", "scratch"), "not captured\n");
  await mkdir(path.join(root, "proc"), { recursive: true });
  await writeFile(path.join(root, "proc", "stale"), "not captured\n");
}
