import { postscriptDirsOf } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { parseFingerprint } from "../exec/ssh.js";
import { describeFanout, updateNodes } from "../update/fanout.js";
import { chooseSteps, parsePostscriptNames, type UpdateStep } from "../update/steps.js";
import { positiveIntegerOption, stringValue, type Command } from "./command.js";

export const updatenode: Command = {
  name: "updatenode",
  summary: "bring cloned nodes up to date over SSH: sync files, update to the image's current version, rerun postscripts",
  usage: "updatenode NODERANGE [-F] [-S] [-P [SCRIPT,…]] [--fanout N] [--timeout SECONDS] [--json] | updatenode NODERANGE -k [--fingerprint SHA256:…]",
  description: "With no flag: -F, then -S, then -P, in xCAT's order. Each node is updated over sysclone's SSH connection with its pinned host key and fails alone; the exit status is 1 when any node failed. -k re-pins a node's host key and installs the server's key, and runs alone.",
  optionHelp: { sync: "push the osimage's synclist and the node's overrides", software: "bring the root to the osimage's current version (an rsync delta that keeps the node's own files)", postscripts: "run postscripts: the named ones (-P a,b) or the node's list", scripts: "the postscripts -P runs (what -P a,b becomes)", keys: "re-pin the node's host key and add the server's key to root's authorized_keys", fingerprint: "with -k: pin the key only if it has this fingerprint", fanout: "nodes updated at once (default 64)", timeout: "seconds per node (default 1800)", "connect-timeout": "seconds to wait for a node's SSH (default 15)" },
  options: {
    sync: { type: "boolean", short: "F" },
    software: { type: "boolean", short: "S" },
    postscripts: { type: "boolean", short: "P" },
    scripts: { type: "string" },
    keys: { type: "boolean", short: "k" },
    fingerprint: { type: "string" },
    fanout: { type: "string" },
    timeout: { type: "string" },
    "connect-timeout": { type: "string" },
  },
  examples: ["updatenode compute", "updatenode n[01-64] -S", "updatenode n01 -P update_network", "updatenode n07 -k --fingerprint SHA256:Vx3bMmQWvYpkQnW6Ic0oN2lDx7vCUs1UR3mk8hXqB4E"],
  /** `-P a,b` after the noderange names the scripts; a bare -P means the node's own list. */
  rewriteArgv(argv) {
    const out: string[] = [];
    let positionals = 0;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? "";
      const next = argv[i + 1];
      if (arg === "-P" && next !== undefined && !next.startsWith("-") && positionals > 0) {
        out.push("-P", `--scripts=${next}`);
        i++;
        continue;
      }
      if (!arg.startsWith("-")) positionals++;
      out.push(arg);
    }
    return out;
  },
  async run(args, deps) {
    const [range, ...extra] = args.positionals;
    if (!range || extra.length > 0) throw new SyscloneError("USAGE", "updatenode takes one noderange", { hint: `usage: ${updatenode.usage}` });
    const scriptList = stringValue(args, "scripts");
    const namedScripts = scriptList !== undefined ? parsePostscriptNames(scriptList) : undefined;
    const steps: UpdateStep[] = chooseSteps({
      keys: args.values["keys"] === true,
      sync: args.values["sync"] === true,
      software: args.values["software"] === true,
      postscripts: namedScripts ?? args.values["postscripts"] === true,
    });
    const fingerprintText = stringValue(args, "fingerprint");
    const fingerprint = fingerprintText === undefined ? undefined : parseFingerprint(fingerprintText);
    const fanout = positiveIntegerOption(args, "fanout", 64);
    const timeoutMs = positiveIntegerOption(args, "timeout", 1800) * 1000;
    const connectTimeoutMs = positiveIntegerOption(args, "connect-timeout", 15) * 1000;
    const store = deps.store();
    const { out, home } = deps;
    const result = await updateNodes(
      {
        store, noderange: storeNoderangeContext(store), repository: deps.repository, home, postscriptDirs: postscriptDirsOf(home),
        privateKeyFile: home.privateKey, publicKey: home.publicKey, rshProgram: deps.rshProgram, signal: deps.signal,
        report: (node, message) => out.line(`${node}: ${message}`),
      },
      { noderange: range, steps, postscripts: namedScripts, ...(fingerprint !== undefined ? { fingerprint } : {}), fanout, timeoutMs, connectTimeoutMs },
    );
    if (out.json) out.data(result);
    else out.line(describeFanout(result));
    return result.summary.failed.length > 0 ? 1 : 0;
  },
};
