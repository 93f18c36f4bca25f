import { SyscloneError } from "../errors/errors.js";

export type UpdateStep = "keys" | "sync" | "software" | "postscripts";

export interface UpdateFlags {
  readonly keys: boolean;
  readonly sync: boolean;
  readonly software: boolean;
  /** true: the node's own list; a list: just those. */
  readonly postscripts: boolean | readonly string[];
}

/**
 * xCAT's order: files, software, postscripts; no flag means -F -S -P. `-k` (re-pin the host key,
 * push the server's key) runs alone: a key accepted blind must not carry a software update with it.
 */
export function chooseSteps(flags: UpdateFlags): UpdateStep[] {
  const others = [flags.sync && "-F", flags.software && "-S", flags.postscripts !== false && "-P"].filter((flag) => flag !== false);
  if (flags.keys && others.length > 0) {
    throw new SyscloneError("USAGE", `updatenode -k runs alone, not with ${others.join(" ")}`, { hint: `re-pin first (updatenode NODE -k --fingerprint SHA256:…), then run ${others.join(" ")} as a second command` });
  }
  if (flags.keys) return ["keys"];
  if (others.length === 0) return ["sync", "software", "postscripts"];
  const steps: UpdateStep[] = [];
  if (flags.sync) steps.push("sync");
  if (flags.software) steps.push("software");
  if (flags.postscripts !== false) steps.push("postscripts");
  return steps;
}

/** `--fingerprint` names one node's key: it goes with -k, on one node. */
export function checkFingerprintUse(steps: readonly UpdateStep[], fingerprint: string | undefined, nodes: readonly string[]): void {
  if (fingerprint === undefined) return;
  if (!steps.includes("keys")) throw new SyscloneError("USAGE", "--fingerprint goes with -k", { hint: "updatenode NODE -k --fingerprint SHA256:…" });
  if (nodes.length !== 1) {
    throw new SyscloneError("USAGE", `--fingerprint names one node's key, and the noderange holds ${nodes.length} nodes`, { hint: "every node has its own key: re-pin them one at a time, each with its own fingerprint" });
  }
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
