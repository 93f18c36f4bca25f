import { SyscloneError } from "../errors/errors.js";
import type { Command } from "./command.js";

/** A command whose engine is not built yet: it says so instead of pretending. */
export function notYet(name: string, summary: string, usage: string): Command {
  return {
    name,
    summary,
    usage,
    options: {},
    run() {
      return Promise.reject(
        new SyscloneError("NOT_AVAILABLE", `${name} is not available in this version of sysclone`, { hint: "capture, object definitions and images work today; see the README" }),
      );
    },
  };
}

export const updatenode = notYet("updatenode", "sync files, rerun postscripts, update nodes to the current image", "updatenode NODERANGE [-F] [-S] [-P] [-k]");
