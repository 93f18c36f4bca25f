import path from "node:path";
import { startServer } from "../../server/main.js";
import { captureImage } from "../capture/capture.js";
import { createProvisioningNetwork } from "../demo/virtual-nodes.js";
import { issueInstallToken } from "../install/service.js";
import { createGoldenClient } from "../demo/golden-client.js";
import { populateDemoTree } from "../demo/demo-tree.js";
import { defaults } from "../objects/schema.js";
import type { Command } from "./command.js";
import { ensureKeyPair } from "./keys.js";
import { lsimage } from "./lsimage.js";
import { captureReporter, formatBytes } from "./output.js";

const GOLDEN = "demo-golden";
const IMAGE = "demo-image";

/** The main job on a fresh machine: a golden client, a capture, the image listed; nothing left running. */
export const demo: Command = {
  name: "demo",
  summary: "build a demo golden client, capture it twice, serve the image and clone it onto two demo nodes",
  usage: "sysclone demo",
  options: {},
  async run(_args, deps) {
    const { out } = deps;
    const store = deps.store();
    const publicKey = await ensureKeyPair(deps.home.privateKey, deps.home.publicKey, "sysclone-demo");
    out.line("demo: building a golden client (network namespace, real sshd, loop-backed ext4 / and /var)");
    const golden = await createGoldenClient({ populate: populateDemoTree });
    try {
      await golden.authorize(publicKey);
      const attributes = { ip: golden.address, groups: "golden", hostkey: "" };
      if (store.getObject("node", GOLDEN)) store.updateObject("node", GOLDEN, attributes);
      else store.createObject("node", GOLDEN, { ...defaults("node"), ...attributes });
      for (const target of ["demo01", "demo02"]) {
        if (!store.getObject("node", target)) store.createObject("node", target, { ...defaults("node"), groups: "demo", osimage: IMAGE });
      }
      out.line(`demo: mkdef -t node ${GOLDEN} ip=${golden.address} groups=golden; targets demo01, demo02 in group demo`);
      for (const round of [1, 2]) {
        out.line(`demo: imgcapture ${GOLDEN} -t sysclone -o ${IMAGE} --root ${golden.root}${round === 2 ? "   (again: only changes are copied)" : ""}`);
        const started = Date.now();
        const result = await captureImage(
          { node: GOLDEN, osimage: IMAGE, provmethod: "sysclone", root: golden.root, layoutFile: undefined, excludes: [], dryRun: false },
          {
            store, repository: deps.repository, privateKeyFile: deps.home.privateKey, rshProgram: deps.rshProgram, clusterXml: deps.home.clusterXml, signal: deps.signal,
            reporter: captureReporter(out, "  "),
          },
        );
        out.endProgress();
        out.line(`demo: v${result.info.version} in ${((Date.now() - started) / 1000).toFixed(1)} s, ${formatBytes(result.info.sizeBytes)}, ${formatBytes(result.info.newBytes)} new`);
      }
    } finally {
      await golden.destroy();
    }
    out.line(`demo: lsimage ${IMAGE}`);
    await lsimage.run({ values: {}, positionals: [IMAGE] }, deps);
    await cloneDemoNodes(deps);
    out.line(`demo: the image is in ${deps.repository.imageDir(IMAGE)}, the clones in ${path.join(deps.home.state, "demo")}; try: lsdef -t osimage ${IMAGE}, nodestat demo`);
    return 0;
  },
};

/** Serve the image and clone it onto demo01 and demo02: virtual nodes cloning into directories under var/demo. */
async function cloneDemoNodes(deps: Parameters<Command["run"]>[1]): Promise<void> {
  const { out } = deps;
  const store = deps.store();
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  deps.signal.addEventListener("abort", stop, { once: true });
  const net = await createProvisioningNetwork();
  try {
    const url = `http://${net.serverAddress}:8080`;
    out.line(`demo: sysclone serve --listen ${net.serverAddress}:8080   (install API and rsync daemon, on a bridge of demo nodes)`);
    const server = await startServer({
      home: deps.home, store, repository: deps.repository, host: net.serverAddress, port: 8080, url, rsyncPort: 8873, maxConnections: 16,
      signal: controller.signal, log: () => undefined,
    });
    try {
      const nodes = await Promise.all(["demo01", "demo02"].map((name) => net.addNode(name, { target: path.join(deps.home.state, "demo", name) })));
      out.line("demo: cloning demo01 and demo02 at once (each a network namespace running the clone client into a directory)");
      const started = Date.now();
      const runs = nodes.map((node) => node.clone({ server: url, token: issueInstallToken(store, node.name) }));
      const lastSeen = new Map<string, string>();
      const poll = setInterval(() => {
        for (const node of nodes) {
          const attrs = store.getObject("node", node.name);
          const line = `${attrs?.["phase"] ?? ""} ${attrs?.["percent"] ?? ""}%`;
          if (attrs && lastSeen.get(node.name) !== line) {
            lastSeen.set(node.name, line);
            out.line(`  ${node.name}: ${line}${attrs["bytes"] ? ` ${formatBytes(Number(attrs["bytes"]))}` : ""}`);
          }
        }
      }, 500);
      const results = await Promise.all(runs).finally(() => clearInterval(poll));
      for (const [i, result] of results.entries()) {
        const name = nodes[i]?.name ?? "";
        const attrs = store.requireObject("node", name);
        out.line(`demo: ${name}: ${attrs["state"] ?? ""}${result.code === 0 ? "" : ` (exit ${result.code ?? "?"}: ${attrs["lasterror"] ?? ""})`}`);
      }
      out.line(`demo: both clones done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await server.close();
    }
  } finally {
    deps.signal.removeEventListener("abort", stop);
    controller.abort();
    await net.destroy();
  }
}
