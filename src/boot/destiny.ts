import { SyscloneError } from "../errors/errors.js";
import type { Destiny } from "../objects/node-state.js";

// The unions live in a module below boot and install, which both read them.
export { isInstallDestiny, type Destiny } from "../objects/node-state.js";

export interface NodesetAction {
  readonly destiny: Destiny;
  /** osimage=NAME in the chain: the image the install uses. */
  readonly osimage?: string;
}

const usage = "nodeset NODERANGE osimage=NAME|install|boot|shell, or a chain such as wipe,osimage=NAME";

/**
 * Parses nodeset's action: one of boot, shell, install, osimage=NAME, or a chain of tasks run in
 * order in the clone initrd. `wipe` erases every disk of the machine, and must be followed by an
 * install (the install's size check still runs before anything is erased). Pure.
 */
export function parseNodesetAction(text: string): NodesetAction {
  const tasks = text.split(",").map((t) => t.trim());
  const refuse = (why: string): never => {
    throw new SyscloneError("USAGE", `nodeset action "${text}": ${why}`, { hint: `usage: ${usage}` });
  };
  if (tasks.some((t) => t === "")) refuse("empty task in the chain");
  let osimage: string | undefined;
  const kinds = tasks.map((task) => {
    if (task.startsWith("osimage=")) {
      osimage = task.slice("osimage=".length);
      if (osimage === "") refuse("osimage= needs a name");
      return "install";
    }
    if (["install", "boot", "shell", "wipe"].includes(task)) return task;
    return refuse(`unknown task "${task}"`);
  });
  if (new Set(kinds).size !== kinds.length) refuse("a task appears twice");
  const chain = kinds.join(",");
  if (chain === "install" || chain === "wipe,install" || chain === "boot" || chain === "shell") return { destiny: chain, ...(osimage !== undefined ? { osimage } : {}) };
  if (kinds.includes("wipe")) return refuse("wipe must come first and be followed by an install (wipe,osimage=NAME)");
  return refuse("boot and shell stand alone; install comes last");
}
