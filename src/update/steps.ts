import { SyscloneError } from "../errors/errors.js";

export type UpdateStep = "keys" | "sync" | "software" | "postscripts";

export interface UpdateFlags {
  readonly keys: boolean;
  readonly sync: boolean;
  readonly software: boolean;
  /** true: the node's own list; a list: just those. */
  readonly postscripts: boolean | readonly string[];
}

/** xCAT's order: keys first (the rest needs them), then files, software, postscripts; no flag means -F -S -P. */
export function chooseSteps(flags: UpdateFlags): UpdateStep[] {
  const none = !flags.keys && !flags.sync && !flags.software && flags.postscripts === false;
  if (none) return ["sync", "software", "postscripts"];
  const steps: UpdateStep[] = [];
  if (flags.keys) steps.push("keys");
  if (flags.sync) steps.push("sync");
  if (flags.software) steps.push("software");
  if (flags.postscripts !== false) steps.push("postscripts");
  return steps;
}

/** `-P a,b` names scripts; each must be a plain file name. */
export function parsePostscriptNames(value: string): string[] {
  const names = value.split(",").map((n) => n.trim()).filter((n) => n !== "");
  for (const name of names) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) {
      throw new SyscloneError("USAGE", `"${name}" is not a postscript name`, { hint: "postscripts are file names in postscripts/, e.g. -P update_network,efibootloader" });
    }
  }
  return names;
}
