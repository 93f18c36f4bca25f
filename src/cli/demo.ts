import { captureImage } from "../capture/capture.js";
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
  summary: "build a demo golden client, capture it twice, list the image",
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
    out.line(`demo: the image is in ${deps.repository.imageDir(IMAGE)}; try: lsdef -t osimage ${IMAGE}`);
    return 0;
  },
};
