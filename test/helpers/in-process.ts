import { Writable } from "node:stream";
import { parseCommandArgs, type Command } from "../../src/cli/command.js";
import { createOutput } from "../../src/cli/output.js";
import { resolveHome } from "../../src/config/paths.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { ImageRepository } from "../../src/image/repository.js";
import { Store } from "../../src/store/store.js";
import type { CliResult } from "./cli.js";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * One command run in this process the way main() runs it (parse, run, an error as one line and
 * its exit status), against a home's real store: faster than a spawned CLI per step, and it needs
 * no build. Tests that want the built binaries use runCli.
 */
export async function runInProcess(home: string, command: Command, argv: readonly string[], stdin = ""): Promise<CliResult> {
  const stdout = sink();
  const stderr = sink();
  const out = createOutput(argv.includes("--json"), { stdout: stdout.stream, stderr: stderr.stream });
  const paths = resolveHome({ SYSCLONE_HOME: home });
  let store: Store | undefined;
  let code: number;
  try {
    code = await command.run(parseCommandArgs(command, argv), {
      home: paths,
      store: () => (store ??= Store.open(paths.database)),
      repository: new ImageRepository(paths.images),
      out,
      signal: new AbortController().signal,
      stdin: () => Promise.resolve(stdin),
      rshProgram: "",
    });
  } catch (error) {
    if (!isSyscloneError(error)) throw error;
    out.error(error);
    code = error.exitStatus;
  } finally {
    store?.close();
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
