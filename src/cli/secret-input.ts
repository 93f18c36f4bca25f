import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { SyscloneError } from "../errors/errors.js";

/** One line read from the terminal without echoing it; the prompt goes to stderr. */
async function askHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await rl.question("");
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/**
 * A password for `what`: typed twice at a terminal (not echoed), or the first line of stdin when
 * stdin is not a terminal (a pipe or a file). Never from an argument, where ps and shell history see it.
 */
export async function readPassword(what: string, readStdin: () => Promise<string>, isTty = process.stdin.isTTY === true): Promise<string> {
  if (!isTty) {
    const text = await readStdin();
    const line = text.split("\n")[0]?.replace(/\r$/, "") ?? "";
    if (line === "") throw new SyscloneError("BAD_PASSWORD", `no password on stdin for ${what}`, { hint: "pipe one line in (e.g. from a secrets file), or run the command at a terminal; nothing was changed" });
    return line;
  }
  const first = await askHidden(`new password for ${what}: `);
  const second = await askHidden(`again: `);
  if (first !== second) throw new SyscloneError("BAD_PASSWORD", "the two passwords differ", { hint: "run the command again; nothing was changed" });
  return first;
}
