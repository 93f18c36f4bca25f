import { benchCapture } from "./capture.js";
import { benchClone } from "./clone.js";
import { benchUpdatenode } from "./updatenode.js";
import { benchMulticast } from "./multicast.js";
import { benchBoot } from "./boot.js";
import { benchNodeset } from "./nodeset.js";
import { benchVm } from "./vm.js";
import { benchApi } from "./api.js";

const suites: Record<string, () => Promise<void>> = { capture: benchCapture, clone: benchClone, updatenode: benchUpdatenode, multicast: benchMulticast, boot: benchBoot, nodeset: benchNodeset, vm: benchVm, api: benchApi };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(", ")}`);
    process.exitCode = 2;
    break;
  }
  await suite();
}
