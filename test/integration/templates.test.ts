import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSshKit, regenerateHostKey, startNodeSshd, type NodeSshd } from "../../src/demo/live-node.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";

// Per-node templates (issue 17): *.tmpl in overrides, rendered for each node by the real server and written by the real clone script.
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
let tn01: VirtualNode | undefined;
let sshd: NodeSshd | undefined;
const image = "tplimg";
const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);
const motdTemplate = "node {{node.name}} ({{ node.hostname }}) at {{node.ip}}\nrack {{vars.rack}} ntp {{vars.ntp}} site {{vars.site}}\nimage {{osimage.name}} v{{osimage.version}} group prio {{group.rack7.priority}}\nliteral \\{{node.name}}\n";

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-tpl-"));
  const serverKey = await cli("sysclone", "keys");
  golden = await createGoldenClient({
    populate: async (root) => {
      await populateSystemTree(root);
      await populateSshKit(root, serverKey);
    },
  });
  net = await createProvisioningNetwork();
  await golden.authorize(serverKey);
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  await cli("chdef", "-t", "osimage", image, "vars.site=lab", "vars.ntp=pool.ntp.org");
  await cli("mkdef", "-t", "group", "rack7", "priority=10", "vars.rack=r7", "vars.ntp=10.0.7.1");
  const etc = path.join(home, "overrides", image, "etc");
  await mkdir(etc, { recursive: true });
  await writeFile(path.join(etc, "motd.tmpl"), motdTemplate);
  await chown(path.join(etc, "motd.tmpl"), 0, 4);
  await chmod(path.join(etc, "motd.tmpl"), 0o640);
  await writeFile(path.join(etc, "plain-override"), "plain\n");
  server = await startServe(home, net.serverAddress, 20400, 20401);
}, 300_000);

afterAll(async () => {
  await sshd?.stop();
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("per-node templates from overrides", () => {
  it("a virtual node's clone gets the template rendered with its own values, mode and owner, and no .tmpl", async () => {
    const node = (tn01 = await net.addNode("tn01"));
    await cli("mkdef", "tn01", "groups=rack7", `osimage=${image}`, "hostname=tn01.cluster", "ip=10.40.7.11", `mac=${node.mac}`, "vars.rack=r7-slot3");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "tn01", server.url) });
    expect(result.code, `${result.stderr}\n${result.log}`).toBe(0);
    const motd = path.join(node.target, "etc", "motd");
    expect(await readFile(motd, "utf8")).toBe("node tn01 (tn01.cluster) at 10.40.7.11\nrack r7-slot3 ntp 10.0.7.1 site lab\nimage tplimg v1 group prio 10\nliteral {{node.name}}\n");
    const info = await stat(motd);
    expect([info.mode & 0o7777, info.uid, info.gid]).toEqual([0o640, 0, 4]);
    expect(existsSync(path.join(node.target, "etc", "motd.tmpl"))).toBe(false);
    expect(await readFile(path.join(node.target, "etc", "plain-override"), "utf8")).toBe("plain\n");
    const plan = await runCli(home, "sysclone", ["plan", "tn01", "--disk-size", "1G,256M"]);
    expect(plan.stdout, plan.stderr).toContain("overrides: image tplimg (templates: /etc/motd)");
  });

  it("an unknown placeholder is refused at plan time with file and line; the node fails and its target is untouched", async () => {
    const node = await net.addNode("tn02");
    await cli("mkdef", "tn02", "groups=rack7", `osimage=${image}`, "hostname=tn02.cluster", "ip=10.40.7.12", `mac=${node.mac}`);
    await mkdir(path.join(home, "overrides", "tn02", "etc"), { recursive: true });
    await writeFile(path.join(home, "overrides", "tn02", "etc", "ntp.conf.tmpl"), "# ntp\nserver {{vars.ntp}}\npeer {{vars.peer}}\n");
    const plan = await runCli(home, "sysclone", ["plan", "tn02", "--disk-size", "1G"]);
    expect(plan.code).toBe(3);
    expect(plan.stderr).toContain("error [BAD_TEMPLATE]: overrides/tn02/etc/ntp.conf.tmpl:3: unknown placeholder {{vars.peer}}");
    const result = await node.clone({ server: server.url, token: await bootToken(home, "tn02", server.url) });
    expect(result.code).not.toBe(0);
    const [stat02] = JSON.parse(await cli("nodestat", "tn02", "--json")) as Record<string, unknown>[];
    expect(stat02?.["state"]).toBe("failed");
    expect(String(stat02?.["lastError"])).toContain("overrides/tn02/etc/ntp.conf.tmpl:3: unknown placeholder {{vars.peer}}");
    expect(await readdir(node.target)).toEqual([]);
  });

  it("updatenode -F renders the templates again for the live node, with its values as they are now", async () => {
    const node = tn01;
    if (node === undefined) throw new Error("the first test did not clone tn01");
    await regenerateHostKey(node.target);
    sshd = await startNodeSshd(node.namespace, node.address, node.target);
    await cli("chdef", "tn01", `ip=${node.address}`, "vars.rack=r7-slot4");
    const result = await runCli(home, "updatenode", ["tn01", "-F"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(await readFile(path.join(node.target, "etc", "motd"), "utf8")).toBe(`node tn01 (tn01.cluster) at ${node.address}\nrack r7-slot4 ntp 10.0.7.1 site lab\nimage tplimg v1 group prio 10\nliteral {{node.name}}\n`);
    const info = await stat(path.join(node.target, "etc", "motd"));
    expect([info.mode & 0o7777, info.uid, info.gid]).toEqual([0o640, 0, 4]);
    expect(existsSync(path.join(node.target, "etc", "motd.tmpl"))).toBe(false);
  });
});
