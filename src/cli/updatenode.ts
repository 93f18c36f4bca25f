import { readFile } from "node:fs/promises";
import PQueue from "p-queue";
import { postscriptDirsOf } from "../config/paths.js";
import { SyscloneError } from "../errors/errors.js";
import { expandNoderange } from "../noderange/noderange.js";
import { storeNoderangeContext } from "../store/noderange-context.js";
import { parseFingerprint } from "../exec/ssh.js";
import { checkFingerprintUse, chooseSteps, parsePostscriptNames, type UpdateStep } from "../update/steps.js";
import { describeFailure, updateNode, type UpdateOutcome } from "../update/update-node.js";
import { positiveIntegerOption, stringValue, type Command } from "./command.js";

interface NodeResult {
  readonly node: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly events: string[];
  readonly outcome?: UpdateOutcome;
  readonly error?: { code: string; message: string; hint?: string };
}

export const updatenode: Command = {
  name: "updatenode",
  summary: "bring cloned nodes up to date over SSH: sync files, update to the image's current version, rerun postscripts",
  usage: "updatenode NODERANGE [-F] [-S] [-P [SCRIPT,…]] [--fanout N] [--timeout SECONDS] [--json] | updatenode NODERANGE -k [--fingerprint SHA256:…]",
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
    const nodes = expandNoderange(range, storeNoderangeContext(store));
    for (const node of nodes) store.requireObject("node", node);
    checkFingerprintUse(steps, fingerprint, nodes);
    const serverUrl = store.setting("server_url");
    const serverHost = serverUrl ? new URL(serverUrl).hostname : "";
    const { out } = deps;
    const shared = new Map<string, Promise<string>>();
    const readShared = (file: string): Promise<string> => {
      let read = shared.get(file);
      if (!read) shared.set(file, (read = readFile(file, "utf8")));
      return read;
    };

    const updateOne = async (node: string): Promise<NodeResult> => {
      const started = Date.now();
      const events: string[] = [];
      const report = (message: string): void => {
        events.push(message);
        out.line(`${node}: ${message}`);
      };
      const controller = new AbortController();
      const onOuterAbort = (): void => controller.abort();
      deps.signal.addEventListener("abort", onOuterAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new SyscloneError("NODE_TIMEOUT", `${node} took longer than ${timeoutMs / 1000} s`, { hint: "raise --timeout, or look at the node" }));
        }, timeoutMs);
      });
      try {
        const outcome = await Promise.race([
          updateNode(
            { node, steps, postscripts: namedScripts, ...(fingerprint !== undefined ? { fingerprint } : {}) },
            {
              store, repository: deps.repository, home: deps.home, postscriptDirs: postscriptDirsOf(deps.home),
              privateKeyFile: deps.home.privateKey, publicKey: deps.home.publicKey, rshProgram: deps.rshProgram,
              serverHost, connectTimeoutMs, signal: controller.signal, report, readShared,
            },
          ),
          timedOut,
        ]);
        report("done");
        return { node, ok: true, seconds: (Date.now() - started) / 1000, events, outcome };
      } catch (caught) {
        const error = describeFailure(caught);
        report(`failed: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`);
        store.addEvent({ kind: "updatenode-failed", node, message: `${error.code}: ${error.message}` });
        return { node, ok: false, seconds: (Date.now() - started) / 1000, events, error };
      } finally {
        clearTimeout(timer);
        deps.signal.removeEventListener("abort", onOuterAbort);
      }
    };

    const started = Date.now();
    const queue = new PQueue({ concurrency: fanout });
    const results = await queue.addAll(nodes.map((node) => () => updateOne(node)));
    const failed = results.filter((r) => !r.ok);
    const seconds = (Date.now() - started) / 1000;
    if (out.json) {
      out.data({ steps, nodes: results, summary: { total: results.length, ok: results.length - failed.length, failed: failed.map((r) => r.node), seconds } });
    } else {
      const failures = failed.map((r) => `${r.node} (${r.error?.code ?? "?"})`).join(", ");
      out.line(`updatenode: ${steps.join(", ")} on ${results.length} node(s) in ${seconds.toFixed(1)} s: ${results.length - failed.length} ok${failed.length > 0 ? `, ${failed.length} failed: ${failures}` : ""}`);
    }
    return failed.length > 0 ? 1 : 0;
  },
};
