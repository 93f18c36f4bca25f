import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { SyscloneError } from "../errors/errors.js";

/**
 * Lines read from the terminal without echoing them; each prompt goes to stderr. The prompts are
 * written only once readline holds the terminal in raw mode, so nothing typed after one is echoed.
 */
async function askHidden(prompts: readonly string[]): Promise<string[]> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  // In raw mode Ctrl-C and Ctrl-D reach readline, not the process: both end the question.
  const stop = new AbortController();
  rl.on("SIGINT", () => stop.abort());
  rl.on("close", () => stop.abort());
  const answers: string[] = [];
  try {
    for (const prompt of prompts) {
      process.stderr.write(prompt);
      answers.push(await rl.question("", { signal: stop.signal }));
      process.stderr.write("\n");
    }
    return answers;
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    process.stderr.write("\n");
    throw new SyscloneError("BAD_PASSWORD", "no password given (interrupted)", { hint: "nothing was changed" });
  } finally {
    rl.close();
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
  const [first = "", second = ""] = await askHidden([`new password for ${what}: `, "again: "]);
  if (first !== second) throw new SyscloneError("BAD_PASSWORD", "the two passwords differ", { hint: "run the command again; nothing was changed" });
  return first;
}
