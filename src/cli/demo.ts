import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startServer } from "../../server/main.js";
import { captureImage } from "../capture/capture.js";
import { addDemoViewer } from "../demo/dashboard-user.js";
import { createDebianGoldenClient, debianGoldenLayout, debianGoldenTarball } from "../demo/debian-golden.js";
import { startBmcMachines, type BmcMachine } from "../demo/demo-machines.js";
import { createProvisioningNetwork } from "../demo/virtual-nodes.js";
import { emptyDisk } from "../demo/vm.js";
import { SyscloneError } from "../errors/errors.js";
import { checkHwreq, parseHwreq } from "../inventory/hwreq.js";
import { nodeInventoryView } from "../inventory/view.js";
import { defaults } from "../objects/schema.js";
import { consoleLogPath } from "../power/console-log.js";
import type { Store } from "../store/store.js";
import { backup } from "./backup.js";
import type { Command, CommandDeps } from "./command.js";
import { initrdBuild } from "./initrd.js";
import { inventory } from "./inventory.js";
import { ensureKeyPair } from "./keys.js";
import { lsimage } from "./lsimage.js";
import { nodestat } from "./nodestat.js";
import { captureReporter, formatBytes } from "./output.js";
import { rinstall } from "./rinstall.js";
import { rpower } from "./rpower.js";

const GOLDEN = "demo-golden";
const IMAGE = "demo-image";
/** bmcPort: the BMC's UDP port on loopback; the three after it are its VM's serial, monitor and ipmi_sim link. */
const TARGETS = [
  { name: "demo01", mac: "52:54:00:de:00:01", host: 11, bmcPort: 8623, rack: "r1" },
  { name: "demo02", mac: "52:54:00:de:00:02", host: 12, bmcPort: 8633, rack: "r2" },
] as const;
const BMC_USER = "admin";
/** What both demo VMs have (1 GiB of memory, of which the kernel shows a little less; one 2 GiB disk; SeaBIOS), and a rule they fail. */
const HWREQ = "mem>=768M,cpus>=1,disks>=1,disk0>=2G,firmware=bios";
const STRICT_HWREQ = "mem>=64G,disks>=2";
/** agetty prints /etc/issue above each login prompt on the serial console: the per-node file shows up where the demo already looks. */
const TEMPLATE = "etc/issue.tmpl";
const TEMPLATE_TEXT = "sysclone demo: {{node.hostname}} in rack {{vars.rack}}, {{osimage.name}} v{{osimage.version}}\n\n";
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
  summary: "the whole chain: a Debian golden client captured, then two bare VMs behind BMCs PXE-cloned at once, each booted from its own disk",
  usage: "sysclone demo",
  description: "Builds a Debian golden client in a VM, captures it, then reinstalls two bare VMs at once with rinstall through their BMCs (OpenIPMI's ipmi_sim): each PXE-clones, with its hardware checked against the osimage's hwreq and a per-node template rendered, and boots from its own disk. Then rpower stat, the recorded consoles, nodestat, sysclone inventory and sysclone backup var/demo/backup.tar. Needs qemu and ipmi_sim; takes minutes.",
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
    const backupFile = path.join(demoDir, "backup.tar");
    out.line(`demo: sysclone backup ${path.relative(deps.home.home, backupFile)}   (the server's state; sysclone restore brings it back on a new server)`);
    await backup.run({ values: {}, positionals: [backupFile] }, deps);
    out.line(`demo: the image is in ${deps.repository.imageDir(IMAGE)}; the VMs' disks in ${demoDir}, their BMCs' serial logs in ${demoDir}/bmc-NODE/serial.log; try: lsdef demo01, sysclone inventory demo, nodestat demo`);
    return allBooted ? 0 : 1;
  },
};

/**
 * `sysclone serve` with DHCP and TFTP on a bridge, two bare VMs (SeaBIOS, empty disks) each behind
 * its own BMC (OpenIPMI's ipmi_sim), reinstalled with `rinstall` through them at once, their
 * progress and events printed as they come, until each has rebooted into its own disk and reported
 * `booted` from Debian; then what the fleet now knows: power, consoles, hardware, per-node files.
 */
async function pxeCloneDemoVms(deps: CommandDeps, demoDir: string): Promise<boolean> {
  const { out } = deps;
  const store = deps.store();
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  deps.signal.addEventListener("abort", stop, { once: true });
  const net = await createProvisioningNetwork();
  let machines: BmcMachine[] = [];
  const template = path.join(deps.home.overrides, IMAGE, TEMPLATE);
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
      const bmcPassword = randomBytes(8).toString("hex");
      const specs = await Promise.all(TARGETS.map(async (t) => ({ name: t.name, mac: t.mac, port: t.bmcPort, disk: await emptyDisk(path.join(demoDir, `${t.name}.img`), 2 * GiB) })));
      machines = await startBmcMachines(specs, { dir: demoDir, bridge: net.bridge, username: BMC_USER, password: bmcPassword, lifetimeSeconds: CHAIN_TIMEOUT_MS / 1000 + 600 });
      out.line(`demo: ${TARGETS.map((t) => t.name).join(" and ")}: bare VMs (SeaBIOS, an empty 2 GiB disk each), each behind its own BMC: OpenIPMI's ipmi_sim on 127.0.0.1:${TARGETS.map((t) => t.bmcPort).join(" and :")} powers its qemu on and off and carries its serial console (Serial-over-LAN)`);
      for (const target of TARGETS) {
        // The store seals bmcpassword under var/secrets.key; ipmitool gets it through its environment, never argv.
        putNode(store, target.name, {
          groups: "demo", osimage: IMAGE, mac: target.mac, ip: `${subnet}.${target.host}`, hostname: `${target.name}.demo`, nicmode: "dhcp", "vars.rack": target.rack,
          mgt: "ipmi", bmc: "127.0.0.1", bmcport: String(target.bmcPort), bmcusername: BMC_USER, bmcpassword: bmcPassword,
        });
        out.line(`demo: mkdef -t node ${target.name} mac=${target.mac} ip=${subnet}.${target.host} groups=demo vars.rack=${target.rack} mgt=ipmi bmc=127.0.0.1 bmcport=${target.bmcPort} bmcusername=${BMC_USER} bmcpassword=-`);
      }
      out.line("demo:   (bmcpassword=- reads the password from stdin, never a command line; it is stored sealed under var/secrets.key and lsdef shows ********)");
      out.line("demo: rpower demo stat");
      await rpower.run({ values: {}, positionals: ["demo", "stat"] }, deps);
      store.updateObject("osimage", IMAGE, { hwreq: HWREQ });
      out.line(`demo: chdef -t osimage ${IMAGE} hwreq=${HWREQ}   (checked against each machine as it boots, before a byte is written)`);
      await mkdir(path.dirname(template), { recursive: true });
      await writeFile(template, TEMPLATE_TEXT);
      out.line(`demo: overrides/${IMAGE}/${TEMPLATE}, rendered for each node: ${JSON.stringify(TEMPLATE_TEXT.trim())}`);
      const started = Date.now();
      out.line(`demo: rinstall demo osimage=${IMAGE}   (nodeset, a one-time network boot and power on, through each BMC)`);
      if ((await rinstall.run({ values: {}, positionals: ["demo", `osimage=${IMAGE}`] }, deps)) !== 0) return false;
      const lastEvent = Math.max(0, ...store.events({ limit: 1 }).map((e) => e.id));
      const outcome = await followChain(deps, store, machines, lastEvent, started);
      for (const [i, target] of TARGETS.entries()) {
        const machine = machines[i];
        if (outcome.get(target.name) !== "booted" || !machine) continue;
        const console = await machine.waitFor(new RegExp(`${target.name} login:`), 120_000);
        const issue = /sysclone demo: [^\n]*/.exec(console)?.[0];
        if (console.includes(`${target.name} login:`)) out.line(`demo: ${target.name}'s console, through its BMC: ${issue ? `"${issue.trim()}", then ` : ""}"${target.name} login:"`);
      }
      out.line("demo: rpower demo stat");
      await rpower.run({ values: {}, positionals: ["demo", "stat"] }, deps);
      const recorded = TARGETS.map((t) => consoleLogPath(deps.home.state, t.name)).filter((file) => existsSync(file));
      if (recorded.length > 0) out.line(`demo: serve recorded each install's console over SOL (rcons NODE watches it live): ${recorded.map((file) => path.relative(deps.home.home, file)).join(", ")}`);
      out.line("demo: nodestat demo");
      await nodestat.run({ values: {}, positionals: ["demo"] }, deps);
      const booted = TARGETS.filter((t) => outcome.get(t.name) === "booted");
      out.line(booted.length === TARGETS.length
        ? `demo: both VMs PXE-cloned and booted from their own disks in ${seconds(started)}`
        : `demo: ${TARGETS.filter((t) => outcome.get(t.name) !== "booted").map((t) => `${t.name} ended ${outcome.get(t.name) ?? "?"}`).join(", ")}; see the consoles in ${demoDir}`);
      if (booted.length > 0) await showHardware(deps, store, booted.map((t) => t.name));
      return booted.length === TARGETS.length;
    } finally {
      viewer?.remove();
      await Promise.all(machines.map((m) => m.bmc.stop()));
      await server.close();
    }
  } finally {
    // The template was the demo's: later installs of the image do not get it (its directories go if empty).
    await rm(template, { force: true });
    for (const dir of [path.dirname(template), path.join(deps.home.overrides, IMAGE)]) await rmdir(dir).catch(() => undefined);
    deps.signal.removeEventListener("abort", stop);
    controller.abort();
    await net.destroy();
  }
}

/** `sysclone inventory demo`, and what a stricter hwreq would have said of a node (no VM needed: the reports are kept). */
async function showHardware(deps: CommandDeps, store: Store, nodes: readonly string[]): Promise<void> {
  const { out } = deps;
  out.line("demo: sysclone inventory demo   (what each machine reported as it booted for its install)");
  await inventory.run({ values: {}, positionals: ["demo"] }, deps);
  const first = nodes.map((node) => nodeInventoryView(store.inventories, node)).find((v) => v.inventory !== null);
  if (!first?.inventory) return;
  try {
    checkHwreq(first.node, [{ source: `osimage ${IMAGE}`, rules: parseHwreq(STRICT_HWREQ) }], first.inventory);
  } catch (error) {
    if (!(error instanceof SyscloneError)) throw error;
    out.line(`demo: with hwreq=${STRICT_HWREQ} the install would stop before a byte is written: ${error.message}`);
  }
}

/** Prints each node's events and its copy progress (every 10 %) until every node is booted or failed, or its VM ended. */
async function followChain(deps: CommandDeps, store: Store, vms: readonly { ended(): boolean }[], afterEvent: number, started: number): Promise<Map<string, string>> {
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
