import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startServer } from "../../server/main.js";
import { captureImage } from "../capture/capture.js";
import { addDemoViewer } from "../demo/dashboard-user.js";
import { createDebianGoldenClient, debianGoldenLayout, debianGoldenTarball } from "../demo/debian-golden.js";
import { createProvisioningNetwork } from "../demo/virtual-nodes.js";
import { emptyDisk, startVm, type RunningVm } from "../demo/vm.js";
import { defaults } from "../objects/schema.js";
import type { Store } from "../store/store.js";
import type { Command, CommandDeps } from "./command.js";
import { initrdBuild } from "./initrd.js";
import { ensureKeyPair } from "./keys.js";
import { lsimage } from "./lsimage.js";
import { nodeset } from "./nodeset.js";
import { nodestat } from "./nodestat.js";
import { captureReporter, formatBytes } from "./output.js";

const GOLDEN = "demo-golden";
const IMAGE = "demo-image";
const TARGETS = [
  { name: "demo01", mac: "52:54:00:de:00:01", host: 11 },
  { name: "demo02", mac: "52:54:00:de:00:02", host: 12 },
] as const;
const GiB = 1024 * 1024 * 1024;
/** TCG is slow: two VMs cloning at once on a small machine take minutes, not seconds. */
const CHAIN_TIMEOUT_MS = 1_800_000;

function seconds(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function putNode(store: Store, name: string, attributes: Record<string, string>): void {
  if (store.getObject("node", name)) store.updateObject("node", name, attributes);
  else store.createObject("node", name, { ...defaults("node"), ...attributes });
}

/** The main job on a fresh machine: the whole chain, from a golden client to two bare VMs booted from their own disks; nothing left running. */
export const demo: Command = {
  name: "demo",
  summary: "the whole chain: a Debian golden client captured, then two bare VMs PXE-cloned at once, each booted from its own disk",
  usage: "sysclone demo",
  description: "Builds a Debian golden client in a VM, captures it, then PXE-clones two bare VMs at once and boots each from its own disk. Needs qemu; takes minutes.",
  options: {},
  async run(_args, deps) {
    const { out } = deps;
    const store = deps.store();
    const publicKey = await ensureKeyPair(deps.home.privateKey, deps.home.publicKey, "sysclone-demo");
    const demoDir = path.join(deps.home.state, "demo");
    await mkdir(demoDir, { recursive: true });
    out.line("demo: a minimal Debian golden client (debootstrapped from this machine's Debian mirror on the first run, ~2 min; cached in var/cache)");
    const tarball = await debianGoldenTarball(deps.signal);
    out.line("demo: the golden client runs in its own network namespace with the real sshd, its / on loop-backed ext4");
    const golden = await createDebianGoldenClient(tarball, publicKey);
    try {
      putNode(store, GOLDEN, { ip: golden.address, groups: "golden", hostkey: "" });
      out.line(`demo: mkdef -t node ${GOLDEN} ip=${golden.address} groups=golden`);
      // The golden tree sits on loop devices, not on a partitioned disk: the capture is told the disk it stands for.
      const layoutFile = path.join(demoDir, "golden-layout.xml");
      await writeFile(layoutFile, debianGoldenLayout("bios"));
      for (const round of [1, 2]) {
        out.line(`demo: imgcapture ${GOLDEN} -t sysclone -o ${IMAGE} --root ${golden.root} --layout ${layoutFile}${round === 2 ? "   (again: only changes are copied)" : ""}`);
        const started = Date.now();
        const result = await captureImage(
          { node: GOLDEN, osimage: IMAGE, provmethod: "sysclone", root: golden.root, layoutFile, excludes: [], dryRun: false },
          {
            store, repository: deps.repository, privateKeyFile: deps.home.privateKey, rshProgram: deps.rshProgram, clusterXml: deps.home.clusterXml, signal: deps.signal,
            reporter: captureReporter(out, "  "),
          },
        );
        out.endProgress();
        out.line(`demo: v${result.info.version} in ${seconds(started)}, ${formatBytes(result.info.sizeBytes)}, ${formatBytes(result.info.newBytes)} new`);
      }
    } finally {
      await golden.destroy();
    }
    out.line(`demo: lsimage ${IMAGE}`);
    await lsimage.run({ values: {}, positionals: [IMAGE] }, deps);
    store.updateObject("osimage", IMAGE, { postscripts: "efibootloader,update_network" });
    out.line(`demo: chdef -t osimage ${IMAGE} postscripts=efibootloader,update_network; sysclone initrd build ${IMAGE}`);
    await initrdBuild.run({ values: {}, positionals: [IMAGE] }, deps);
    const allBooted = await pxeCloneDemoVms(deps, demoDir);
    out.line(`demo: the image is in ${deps.repository.imageDir(IMAGE)}; the VMs' disks and consoles in ${demoDir}; try: lsdef -t osimage ${IMAGE}, nodestat demo`);
    return allBooted ? 0 : 1;
  },
};

/**
 * `sysclone serve` with DHCP and TFTP on a bridge, two bare VMs (SeaBIOS, empty disks, network
 * first) PXE-booting from it at once, their progress and events printed as they come, until
 * each has rebooted, been sent on to its own disk, and reported `booted` from Debian.
 */
async function pxeCloneDemoVms(deps: CommandDeps, demoDir: string): Promise<boolean> {
  const { out } = deps;
  const store = deps.store();
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  deps.signal.addEventListener("abort", stop, { once: true });
  const net = await createProvisioningNetwork();
  const vms: RunningVm[] = [];
  try {
    const subnet = net.serverAddress.replace(/\.1$/, "");
    const url = `http://${net.serverAddress}:8080`;
    out.line(`demo: sysclone serve --listen ${net.serverAddress}:8080 --dhcp-interface ${net.bridge} --dhcp-range ${subnet}.100,${subnet}.150   (install API, rsync, DHCP and TFTP on a bridge)`);
    const server = await startServer({
      home: deps.home, store, repository: deps.repository, host: net.serverAddress, port: 8080, url, rsyncPort: 8873, maxConnections: 16,
      dhcp: { interface: net.bridge, mode: "full", range: `${subnet}.100,${subnet}.150,255.255.255.0` }, retrySeconds: 5,
      signal: controller.signal, log: () => undefined,
    });
    const viewer = await addDemoViewer(store);
    out.line(`demo: the dashboard follows along at ${url}/ while the demo runs${viewer ? ` (user ${viewer.name}, password ${viewer.password}: a viewer for this run only)` : ""}`);
    try {
      for (const target of TARGETS) {
        putNode(store, target.name, { groups: "demo", osimage: IMAGE, mac: target.mac, ip: `${subnet}.${target.host}`, hostname: `${target.name}.demo`, nicmode: "dhcp" });
        out.line(`demo: mkdef -t node ${target.name} mac=${target.mac} ip=${subnet}.${target.host} groups=demo`);
      }
      out.line(`demo: nodeset demo osimage=${IMAGE}`);
      await nodeset.run({ values: {}, positionals: ["demo", `osimage=${IMAGE}`] }, deps);
      const started = Date.now();
      const lastEvent = Math.max(0, ...store.events({ limit: 1 }).map((e) => e.id));
      for (const target of TARGETS) {
        const disk = await emptyDisk(path.join(demoDir, `${target.name}.img`), 2 * GiB);
        vms.push(await startVm({ firmware: "bios", disks: [disk], bridge: net.bridge, mac: target.mac, consoleFile: path.join(demoDir, `${target.name}.console`), timeoutMs: CHAIN_TIMEOUT_MS, allowReboot: true }));
      }
      out.line(`demo: powered on ${TARGETS.map((t) => t.name).join(" and ")}: bare VMs (SeaBIOS, an empty 2 GiB disk each, network first)`);
      const outcome = await followChain(deps, store, vms, lastEvent, started);
      for (const [i, target] of TARGETS.entries()) {
        const vm = vms[i];
        if (outcome.get(target.name) === "booted" && vm) {
          const console = await vm.waitFor(new RegExp(`${target.name} login:`), 120_000);
          if (console.includes(`${target.name} login:`)) out.line(`demo: ${target.name}'s console: "${target.name} login:"`);
        }
      }
      out.line("demo: nodestat demo");
      await nodestat.run({ values: {}, positionals: ["demo"] }, deps);
      const booted = TARGETS.filter((t) => outcome.get(t.name) === "booted");
      out.line(booted.length === TARGETS.length
        ? `demo: both VMs PXE-cloned and booted from their own disks in ${seconds(started)}`
        : `demo: ${TARGETS.filter((t) => outcome.get(t.name) !== "booted").map((t) => `${t.name} ended ${outcome.get(t.name) ?? "?"}`).join(", ")}; see the consoles in ${demoDir}`);
      return booted.length === TARGETS.length;
    } finally {
      viewer?.remove();
      await Promise.all(vms.map((vm) => vm.kill()));
      await server.close();
    }
  } finally {
    deps.signal.removeEventListener("abort", stop);
    controller.abort();
    await net.destroy();
  }
}

/** Prints each node's events and its copy progress (every 10 %) until every node is booted or failed, or its VM ended. */
async function followChain(deps: CommandDeps, store: Store, vms: readonly RunningVm[], afterEvent: number, started: number): Promise<Map<string, string>> {
  const { out } = deps;
  let seen = afterEvent;
  const shownPercent = new Map<string, number>();
  const outcome = new Map<string, string>();
  const deadline = started + CHAIN_TIMEOUT_MS;
  while (outcome.size < TARGETS.length && !deps.signal.aborted) {
    const fresh = store.events({ limit: 200 }).filter((e) => e.id > seen && TARGETS.some((t) => t.name === e.node)).reverse();
    for (const event of fresh) {
      seen = Math.max(seen, event.id);
      out.line(`  ${seconds(started).padStart(12)}  ${event.node}: ${event.message}`);
    }
    for (const [i, target] of TARGETS.entries()) {
      if (outcome.has(target.name)) continue;
      const node = store.requireObject("node", target.name);
      const percent = Math.floor(Number(node["percent"] ?? 0) / 10) * 10;
      if (node["phase"] && percent > (shownPercent.get(target.name) ?? 0) && node["state"] === "installing") {
        shownPercent.set(target.name, percent);
        out.line(`  ${seconds(started).padStart(12)}  ${target.name}: ${node["phase"]} ${percent}%${node["bytes"] ? `, ${formatBytes(Number(node["bytes"]))}` : ""}`);
      }
      const state = node["state"] ?? "";
      if (state === "booted" || state === "failed") outcome.set(target.name, state);
      else if (vms[i]?.ended()) outcome.set(target.name, `with its VM stopped (state ${state})`);
      else if (Date.now() > deadline) outcome.set(target.name, `out of time (state ${state})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return outcome;
}
