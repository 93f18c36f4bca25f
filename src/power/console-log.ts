import { closeSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";

/** var/logs/NODE/console.log: a node's serial console, as serve records it while the node installs. */
export function consoleLogPath(stateDir: string, node: string): string {
  return path.join(stateDir, "logs", node, "console.log");
}

/**
 * The console's last lines as a person reads them: carriage returns, ANSI escapes and other control
 * characters gone, blank lines dropped. Pure.
 */
export function lastConsoleLines(text: string, count: number): string[] {
  const clean = text
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\r\n?/g, "\n")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
  const lines = clean.split("\n").map((line) => line.trimEnd()).filter((line) => line.trim() !== "");
  return lines.slice(-count).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
}

/** The last `count` lines of a node's recorded console (reading at most its last 16 KiB); none when there is no record. */
export function consoleTail(stateDir: string, node: string, count = 20): string[] {
  const file = consoleLogPath(stateDir, node);
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 16 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return lastConsoleLines(buffer.toString("utf8"), count);
  } finally {
    closeSync(fd);
  }
}
