import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProvisioningNetwork, type ProvisioningNetwork } from "../../src/demo/virtual-nodes.js";
import { emptyDisk, startVm, type RunningVm } from "../../src/demo/vm.js";
import { must } from "../../src/exec/must.js";
import { buildPackage, installIntoFreshRoot, type InstalledRoot } from "../helpers/debian-package.js";

const GiB = 1024 * 1024 * 1024;
const port = 20780;
const rsyncPort = 20781;
const reloadSignal = 20791;
const breakSignal = 20792;
let net: ProvisioningNetwork;
let installed: InstalledRoot | undefined;
let work: string;
let vm: RunningVm | undefined;
let address: string;
const started = Date.now();

/**
 * Test-only, inside the VM: reports sysclone.service through the serial console; on the host's
 * first signal (a TCP port it opens) reloads a changed config, on the second breaks the config and
 * restarts the unit; then powers off.
 */
function probeScript(host: string): string {
  return `#!/bin/bash
# Each report begins on a line of its own: getty's login prompt ends without one.
say() { printf '\\nPROBE %s\\n' "$*" >/dev/ttyS0; }
journal() { { echo; journalctl -u sysclone.service -o cat --no-pager | sed "s/^/PROBE $1 /"; } >/dev/ttyS0; }
wait_go() { until (exec 3<>"/dev/tcp/${host}/$1") 2>/dev/null; do sleep 1; done; }
for _ in $(seq 150); do
  if [ "$(systemctl is-active sysclone.service)" = active ] && journalctl -u sysclone.service -o cat | grep -q '^dashboard at '; then break; fi
  sleep 1
done
say "is-active $(systemctl is-active sysclone.service) is-enabled $(systemctl is-enabled sysclone.service) home $(stat -c %a /var/lib/sysclone)"
journal start
say ready
wait_go ${reloadSignal}
sed -i 's/^#retry-seconds = .*/retry-seconds = 7/' /etc/sysclone/sysclone.conf
systemctl reload sysclone.service; say "reload-exit $?"
for _ in $(seq 30); do journalctl -u sysclone.service -o cat | grep -q '^reloaded ' && break; sleep 1; done
journal reload
say reloaded
wait_go ${breakSignal}
printf 'lisen = 10.0.0.1:80\\nboot-rate = fast\\n' >>/etc/sysclone/sysclone.conf
systemctl reload sysclone.service; say "bad-reload-exit $? then $(systemctl is-active sysclone.service)"
systemctl restart sysclone.service
for _ in $(seq 60); do [ "$(systemctl is-active sysclone.service)" = failed ] && break; sleep 1; done
say "broken $(systemctl is-active sysclone.service) restarts $(systemctl show -p NRestarts --value sysclone.service)"
journal broken
say done
systemctl poweroff
`;
}

/** The installed root as a server: a static address on the test bridge, DHCP on it, the probe, then an ext4 disk of it. */
async function serverDisk(root: string, subnet: string): Promise<string> {
  await writeFile(path.join(root, "etc", "network", "interfaces"), `auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n  address ${address}/24\n`);
  await writeFile(path.join(root, "etc", "fstab"), "/dev/vda / ext4 defaults 0 1\n");
  await writeFile(path.join(root, "etc", "hostname"), "sysclone-server\n");
  const conf = path.join(root, "etc", "sysclone", "sysclone.conf");
  const shipped = (await must("cat", [conf])).stdoutTail;
  await writeFile(conf, shipped
    .replace(/^listen = .*$/m, `listen = ${address}:${port}`)
    .replace(/^#rsync-port = .*$/m, `rsync-port = ${rsyncPort}`)
    .replace(/^#dhcp-interface = .*$/m, "dhcp-interface = eth0")
    .replace(/^#dhcp-range = .*$/m, `dhcp-range = ${subnet}.100,${subnet}.150,255.255.255.0`));
  const probe = path.join(root, "usr", "local", "sbin", "sysclone-probe");
  await writeFile(probe, probeScript(net.serverAddress));
  await chmod(probe, 0o755);
  await writeFile(path.join(root, "etc", "systemd", "system", "sysclone-probe.service"),
    "[Unit]\nDescription=test probe of sysclone.service\nAfter=sysclone.service\n\n[Service]\nType=simple\nExecStart=/usr/local/sbin/sysclone-probe\n\n[Install]\nWantedBy=multi-user.target\n");
  await mkdir(path.join(root, "etc", "systemd", "system", "multi-user.target.wants"), { recursive: true });
  await symlink("/etc/systemd/system/sysclone-probe.service", path.join(root, "etc", "systemd", "system", "multi-user.target.wants", "sysclone-probe.service"));
  // Units of the golden client that only slow a TCG boot down.
  for (const unit of ["e2scrub_reap.service", "kexec-load.service", "kexec.service", "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer", "fstrim.timer"]) {
    await symlink("/dev/null", path.join(root, "etc", "systemd", "system", unit));
  }
  const disk = await emptyDisk(path.join(work, "server.img"), 2 * GiB);
  await must("mkfs.ext4", ["-q", "-F", "-L", "root", "-d", root, disk], { timeoutMs: 300_000 });
  return disk;
}

async function signal(port: number, until: RegExp): Promise<string> {
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, net.serverAddress, resolve));
  try {
    return await vm!.waitFor(until, 120_000);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function probeLines(console: string, tag: string): string[] {
  return console.split("\n").filter((line) => line.startsWith(`PROBE ${tag} `)).map((line) => line.slice(`PROBE ${tag} `.length));
}

async function bootAnswer(query: string): Promise<string> {
  const response = await fetch(`http://${address}:${port}${query}`, { signal: AbortSignal.timeout(20_000) });
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "sysclone-service-vm-"));
  net = await createProvisioningNetwork();
  address = net.serverAddress.replace(/\.1$/, ".2");
  const deb = await buildPackage();
  installed = await installIntoFreshRoot(deb);
  await installed.release();
  const boot = path.join(installed.root, "boot");
  const files = await readdir(boot);
  const kernel = path.join(work, "vmlinuz");
  const initrd = path.join(work, "initrd.img");
  await must("cp", [path.join(boot, files.find((f) => f.startsWith("vmlinuz-")) ?? "vmlinuz"), kernel]);
  await must("cp", [path.join(boot, files.find((f) => f.startsWith("initrd.img-")) ?? "initrd.img"), initrd]);
  const disk = await serverDisk(installed.root, net.serverAddress.replace(/\.1$/, ""));
  await installed.destroy();
  installed = undefined;
  console.log(`service-vm: package built, installed and on a disk in ${Math.round((Date.now() - started) / 1000)} s`);
  vm = await startVm({
    kernel, initrd, append: "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 panic=-1",
    disks: [disk], bridge: net.bridge, mac: "52:54:00:19:00:02", consoleFile: path.join(work, "console.log"), timeoutMs: 240_000,
  });
}, 600_000);

afterAll(async () => {
  await vm?.kill();
  await installed?.destroy();
  await net?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
  console.log(`service-vm: ${Math.round((Date.now() - started) / 1000)} s in all`);
});

describe("the package's root booted as a VM with systemd", () => {
  it("starts sysclone.service at boot: active, /boot.ipxe answers on its address, the journal has the start line; reload and a broken config behave", async () => {
    const booted = Date.now();
    let text = await vm!.waitFor(/^PROBE ready$/m, 200_000);
    const explain = `console:\n${text.slice(-5000)}`;
    expect(text, explain).toMatch(/^PROBE is-active active is-enabled enabled home 700$/m);
    console.log(`service-vm: booted to an active sysclone.service in ${Math.round((Date.now() - booted) / 1000)} s`);
    const start = probeLines(text, "start");
    expect(start, explain).toContain(`serving http://${address}:${port} (install API) and rsync on port ${rsyncPort}, DHCP and TFTP on eth0 (settings from /etc/sysclone/sysclone.conf); stop with Ctrl-C`);

    const script = await bootAnswer("/boot.ipxe");
    expect(script).toMatch(/^#!ipxe\n/);
    expect(script).toContain(`chain --autofree http://${address}:${port}/boot?mac=`);
    expect(await bootAnswer("/boot?mac=52-54-00-19-00-99")).toMatch(/^sleep 30$/m);

    text = await signal(reloadSignal, /^PROBE reloaded$/m);
    expect(text).toMatch(/^PROBE reload-exit 0$/m);
    expect(probeLines(text, "reload")).toContain("reloaded /etc/sysclone/sysclone.conf: retry-seconds 30 -> 7");
    expect(await bootAnswer("/boot?mac=52-54-00-19-00-99")).toMatch(/^sleep 7$/m);

    text = await signal(breakSignal, /^PROBE done$/m);
    // A bad file: the reload is refused and the server goes on; the restart then fails for good, with one line per mistake.
    expect(text, text.slice(-5000)).toMatch(/^PROBE bad-reload-exit [1-9]\d* then active$/m);
    expect(text, text.slice(-5000)).toMatch(/^PROBE broken failed restarts 0$/m);
    const broken = probeLines(text, "broken");
    const confLines = broken.filter((line) => line.startsWith("error [BAD_CONFIG]: /etc/sysclone/sysclone.conf:"));
    expect(confLines.some((line) => /sysclone\.conf:\d+: unknown key "lisen"/.test(line)), broken.join("\n")).toBe(true);
    expect(confLines.some((line) => /sysclone\.conf:\d+: boot-rate "fast" is not a positive whole number/.test(line)), broken.join("\n")).toBe(true);
    const run = await vm!.done;
    expect(run.timedOut).toBe(false);
  }, 400_000);
});
