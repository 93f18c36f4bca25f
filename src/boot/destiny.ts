import { SyscloneError } from "../errors/errors.js";
import type { Destiny } from "../objects/node-state.js";

// The unions live in a module below boot and install, which both read them.
export { isInstallDestiny, type Destiny } from "../objects/node-state.js";

export interface NodesetAction {
  readonly destiny: Destiny;
  /** osimage=NAME in the chain: the image the install uses. */
  readonly osimage?: string;
  /** osimage=NAME@N: the version of it the install uses (pinned), instead of its current one. */
  readonly version?: number;
}

const usage = "nodeset NODERANGE osimage=NAME[@VERSION]|install|boot|shell, or a chain such as wipe,osimage=NAME";

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
  let version: number | undefined;
  const kinds = tasks.map((task) => {
    if (task.startsWith("osimage=")) {
      const [name = "", pin, ...more] = task.slice("osimage=".length).split("@");
      osimage = name;
      if (osimage === "") refuse("osimage= needs a name");
      if (pin !== undefined) {
        if (more.length > 0 || !/^[1-9]\d{0,8}$/.test(pin)) refuse("a pinned version is osimage=NAME@N with N a version number, e.g. osimage=rocky9@3");
        version = Number(pin);
      }
      return "install";
    }
    if (["install", "boot", "shell", "wipe"].includes(task)) return task;
    return refuse(`unknown task "${task}"`);
  });
  if (new Set(kinds).size !== kinds.length) refuse("a task appears twice");
  const chain = kinds.join(",");
  if (chain === "install" || chain === "wipe,install" || chain === "boot" || chain === "shell") {
    return { destiny: chain, ...(osimage !== undefined ? { osimage } : {}), ...(version !== undefined ? { version } : {}) };
  }
  if (kinds.includes("wipe")) return refuse("wipe must come first and be followed by an install (wipe,osimage=NAME)");
  return refuse("boot and shell stand alone; install comes last");
}
