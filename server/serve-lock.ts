import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { SyscloneError } from "../src/errors/errors.js";

function running(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A reused pid of some other program does not count.
  const cmdline = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return "";
    }
  })();
  return cmdline.includes("serve");
}

/**
 * One `serve` per home: a second would kill the first's rsync daemon and answer for the same nodes. The lock file
 * holds the pid; a lock left by a server that died is taken over. Returns the release function.
 */
export function acquireServeLock(file: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        const holder = (() => {
          try {
            return Number(readFileSync(file, "utf8").trim());
          } catch {
            return 0;
          }
        })();
        if (holder === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (running(pid)) {
        throw new SyscloneError("ALREADY_SERVING", `another sysclone serve (pid ${pid}) is running on this home`, { hint: `stop it first (kill ${pid}), or give this one another SYSCLONE_HOME` });
      }
      rmSync(file, { force: true });
    }
  }
  throw new SyscloneError("ALREADY_SERVING", `another sysclone serve is starting on this home (${file})`, { hint: "wait for it, or stop it first" });
}
