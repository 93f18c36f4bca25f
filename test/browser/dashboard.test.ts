import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoldenClient, type GoldenClient } from "../../src/demo/golden-client.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";
import { createProvisioningNetwork, type ProvisioningNetwork, type VirtualNode } from "../../src/demo/virtual-nodes.js";
import { artifactDir, launchChromium, screenshotter } from "../helpers/browser.js";
import { bootToken, cliOk, runCli } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";

/**
 * The dashboard in Debian's Chromium against `sysclone serve` on a virtual-node bridge: an operator
 * scoped to group lab watches a virtual node's clone go live to installed, reads its plan, reinstalls
 * another lab node through the confirmation that names its disks, and finds nothing to act on outside
 * lab; a viewer sees no buttons at all. Screenshots: var/test-artifacts/dashboard/.
 */
let golden: GoldenClient;
let net: ProvisioningNetwork;
let home: string;
let server: ServeProcess;
let browser: Browser;
let page: Page;
let shot: (page: Page, step: string) => Promise<void>;
const nodes = new Map<string, VirtualNode>();
const pageErrors: string[] = [];
const image = "dashimg";
const passwords = { op: "operator password 1", watcher: "viewer password 1", boss: "admin password 1" };

const cli = (command: string, ...args: string[]): Promise<string> => cliOk(home, command, ...args);

async function setPassword(user: keyof typeof passwords): Promise<void> {
  const result = await runCli(home, "sysclone", ["user", "passwd", user], { input: `${passwords[user]}\n` });
  expect(result.code, result.stderr).toBe(0);
}

async function logIn(user: keyof typeof passwords): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password").fill(passwords[user]);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("table.nodes tbody tr").first().waitFor();
}

async function logOut(): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
}

async function nodestat(node: string): Promise<Record<string, unknown>> {
  return (JSON.parse(await cli("nodestat", node, "--json")) as Record<string, unknown>[])[0] ?? {};
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-home-"));
  golden = await createGoldenClient({ populate: (root) => populateSystemTree(root) });
  net = await createProvisioningNetwork();
  await golden.authorize(await cli("sysclone", "keys"));
  await cli("mkdef", "-t", "node", "golden01", `ip=${golden.address}`);
  await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
  // A postscript that takes a few seconds, so the install is seen in progress, not only its end.
  await mkdir(path.join(home, "postscripts"), { recursive: true });
  await writeFile(path.join(home, "postscripts", "settle"), "#!/bin/sh\necho settling\nsleep 4\n");
  await chmod(path.join(home, "postscripts", "settle"), 0o755);
  await cli("chdef", "-t", "osimage", image, "postscripts=settle");
  for (const group of ["lab", "prod"]) await cli("mkdef", "-t", "group", group);
  for (const [i, name] of ["vn01", "vn02"].entries()) {
    const node = await net.addNode(name);
    nodes.set(name, node);
    await cli("mkdef", "-t", "node", name, "groups=lab", `osimage=${image}`, `hostname=${name}.lab`, "nicmode=static", `ip=10.40.0.${11 + i}`, "netmask=255.255.255.0", `mac=${node.mac}`);
  }
  await cli("mkdef", "-t", "node", "prod01", "groups=prod", `osimage=${image}`, "mac=52:54:00:99:00:01");
  await cli("sysclone", "user", "add", "op", "--role", "operator", "--groups", "lab");
  await cli("sysclone", "user", "add", "watcher", "--role", "viewer");
  await cli("sysclone", "user", "add", "boss", "--role", "admin");
  for (const user of ["op", "watcher", "boss"] as const) await setPassword(user);
  server = await startServe(home, net.serverAddress, 18081, 18874);
  shot = screenshotter(await artifactDir("dashboard"));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await net?.destroy();
  await golden?.destroy();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("the dashboard in a real browser", () => {
  it("shows an operator only its group's nodes, and a virtual node's clone moving live to installed", async () => {
    await logIn("op");
    expect(await page.locator("header .who").textContent()).toBe("op (operator: lab)");
    await expect.poll(() => page.locator("table.nodes tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-node"))), { timeout: 10_000 }).toEqual(["vn01", "vn02"]);
    await shot(page, "fleet-operator");
    // Every state and progress value the row shows from now on, without reloading the page.
    await page.evaluate(() => {
      const seen: string[] = [];
      const percents: number[] = [];
      Object.assign(window, { seenStates: seen, seenPercents: percents, sameDocument: true });
      const record = (): void => {
        const row = document.querySelector('tr[data-node="vn01"]');
        const state = row?.querySelector("[data-state]")?.getAttribute("data-state") ?? "";
        if (state !== "" && seen.at(-1) !== state) seen.push(state);
        const percent = row?.querySelector("progress")?.getAttribute("value");
        if (percent && percents.at(-1) !== Number(percent)) percents.push(Number(percent));
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const vn01 = nodes.get("vn01");
    if (!vn01) throw new Error("no vn01");
    const clone = vn01.clone({ server: server.url, token: await bootToken(home, "vn01", server.url) });
    await page.locator('tr[data-node="vn01"] [data-state="installing"]').waitFor({ timeout: 120_000 });
    await page.locator('tr[data-node="vn01"] progress').waitFor();
    await shot(page, "fleet-vn01-installing");
    await page.locator('tr[data-node="vn01"] [data-state="installed"]').waitFor({ timeout: 180_000 });
    const result = await clone;
    expect(result.code, `${result.stderr}\n${result.log}`).toBe(0);
    await shot(page, "fleet-vn01-installed");
    const seen = await page.evaluate(() => (window as unknown as { seenStates: string[]; sameDocument?: boolean }).seenStates);
    expect(seen).toContain("installing");
    expect(seen.at(-1)).toBe("installed");
    // The bar moved through the install (at least the postscripts' 94 % while settle sleeps) to 100.
    const percents = await page.evaluate(() => (window as unknown as { seenPercents: number[] }).seenPercents);
    expect(percents.some((p) => p > 0 && p < 100), percents.join(",")).toBe(true);
    expect(percents.at(-1)).toBe(100);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await page.locator('tr[data-node="vn01"] progress').getAttribute("value")).toBe("100");
    expect(await page.getByRole("list", { name: "Nodes by state" }).textContent()).toContain("1 installed");
  });

  it("opens the node page: its plan, timeline and install log", async () => {
    await page.getByRole("link", { name: "vn01", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: /vn01/ }).waitFor();
    await expect.poll(() => page.locator("pre.log").textContent(), { timeout: 10_000 }).toContain("settling");
    expect(await page.locator("ol.timeline").textContent()).toContain("finish");
    await page.getByRole("button", { name: "Show the dry-run plan" }).click();
    await page.locator(".plan").waitFor();
    expect(await page.locator(".plan").textContent()).toContain(`Image ${image} v1`);
    expect(await page.getByRole("button", { name: "Reinstall" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Cancel install" }).count()).toBe(0);
    await shot(page, "node-vn01-plan");
  });

  it("reinstalls an allowed node through a confirmation naming every disk to be wiped and the image version", async () => {
    // vn02 reports an inventory with two disks, as the clone initrd does when it boots.
    const token = await bootToken(home, "vn02", server.url);
    const inventory = { disks: [{ name: "vda", sizeBytes: 8 * 2 ** 30 }, { name: "vdb", sizeBytes: 2 * 2 ** 30 }], nics: [{ name: "eth0", mac: nodes.get("vn02")?.mac ?? "" }], firmware: "bios" };
    const answer = await fetch(`${server.url}/install/vn02/inventory`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(inventory) });
    expect(answer.status, await answer.text()).toBe(200);
    await page.goto(`${server.url}/#/nodes/vn02`);
    await page.getByRole("heading", { level: 1, name: /vn02/ }).waitFor();
    await page.getByRole("button", { name: "Reinstall" }).click();
    const dialog = page.getByRole("dialog", { name: "Reinstall vn02?" });
    await dialog.waitFor();
    const wiped = await dialog.getByRole("list", { name: "Disks to be wiped" }).locator("li").allTextContents();
    expect(wiped).toEqual(["/dev/vda (8.0 GiB)", "/dev/vdb (2.0 GiB)"]);
    expect(await dialog.locator(".image-version").textContent()).toBe(`${image} v1`);
    await shot(page, "node-vn02-reinstall-confirmation");
    await dialog.getByRole("button", { name: "Wipe 2 disks and reinstall" }).click();
    await page.getByText("vn02: next boot set to install.").waitFor();
    expect(await nodestat("vn02")).toMatchObject({ destiny: "install" });
    await expect.poll(() => page.locator("ol.timeline").textContent(), { timeout: 10_000 }).toContain("op via api");
    await shot(page, "node-vn02-reinstalled");
  });

  it("has no node and no control outside the operator's scope", async () => {
    await page.goto(`${server.url}/#/nodes/prod01`);
    await page.getByRole("heading", { level: 1, name: "Not found" }).waitFor();
    expect(await page.locator("button", { hasText: /Reinstall|Boot from disk|Shell|Cancel/ }).count()).toBe(0);
    await shot(page, "node-prod01-out-of-scope");
  });

  it("shows an admin an image's versions and the files changed between them, and rolls back", async () => {
    await writeFile(path.join(golden.root, "etc", "hostname"), "golden02\n");
    await writeFile(path.join(golden.root, "etc", "added"), "new in v2\n");
    await cli("imgcapture", "golden01", "-t", "sysclone", "-o", image, "--root", golden.root);
    await logOut();
    await logIn("boss");
    await page.goto(`${server.url}/#/images`);
    const images = page.getByRole("table", { name: "Images" });
    await images.waitFor();
    expect(await images.locator("tbody tr").first().locator("td").allTextContents()).toEqual(expect.arrayContaining(["v2", "2", "golden01"]));
    await images.getByRole("link", { name: image }).click();
    const versions = page.getByRole("table", { name: `Versions of ${image}` });
    await versions.waitFor();
    expect(await versions.locator("tbody tr").evaluateAll((rows) => rows.map((r) => `${r.getAttribute("data-version")}:${r.className}`))).toEqual(["2:current", "1:"]);
    await page.getByRole("button", { name: "Compare" }).click();
    await page.locator(".diff details").first().waitFor();
    const diff = await page.locator(".diff").textContent();
    expect(diff).toContain("Added: 1");
    expect(diff).toContain("etc/added");
    expect(diff).toContain("etc/hostname");
    await shot(page, "image-diff-admin");
    await versions.getByRole("button", { name: "Make v1 current" }).click();
    await page.getByRole("dialog", { name: `Make ${image} v1 current?` }).getByRole("button", { name: "Make v1 current" }).click();
    await page.getByText(`${image}: v1 is now current.`).waitFor();
    await expect.poll(() => versions.locator("tr.current").getAttribute("data-version"), { timeout: 10_000 }).toBe("1");
    await shot(page, "image-rolled-back");
  });

  it("shows an admin a machine that boots unknown, live, and assigns it to a node", async () => {
    await page.goto(`${server.url}/#/discovered`);
    await page.getByText("No unknown machine has booted.").waitFor();
    const boot = await fetch(`${server.url}/boot?mac=52:54:00:77:00:01&serial=SN-7701`);
    expect(await boot.text()).toContain("discovered-525400770001");
    const row = page.locator('tr[data-node="discovered-525400770001"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain("SN-7701");
    await row.getByLabel("Assign to node").selectOption("prod01");
    await shot(page, "discovered-admin");
    await row.getByRole("button", { name: "Assign" }).click();
    await page.getByRole("dialog", { name: "Assign this machine to prod01?" }).getByRole("button", { name: "Assign" }).click();
    await page.getByText("discovered-525400770001 is now prod01.").waitFor();
    const prod01 = await cli("lsdef", "prod01");
    expect(prod01).toContain("mac=52:54:00:77:00:01");
    expect(prod01).toContain("serial=SN-7701");
    expect(await cli("nodels")).not.toContain("discovered-525400770001");
  });

  it("shows a viewer every node and no buttons", async () => {
    await logOut();
    await logIn("watcher");
    const rows = () => page.locator("table.nodes tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-node")));
    await expect.poll(rows, { timeout: 10_000 }).toEqual(["golden01", "prod01", "vn01", "vn02"]);
    // Filters: by state, by group, by text (any attribute), and the overview's counts as links.
    await page.getByLabel("State", { exact: true }).selectOption("installed");
    expect(await rows()).toEqual(["vn01"]);
    await page.getByLabel("State", { exact: true }).selectOption("");
    await page.getByLabel("Group", { exact: true }).selectOption("lab");
    expect(await rows()).toEqual(["vn01", "vn02"]);
    await page.getByLabel("Search", { exact: true }).fill("52:54:00:77");
    expect(await rows()).toEqual([]);
    await page.getByLabel("Group", { exact: true }).selectOption("");
    expect(await rows()).toEqual(["prod01"]);
    expect(page.url()).toContain("q=52%3A54%3A00%3A77");
    await page.getByLabel("Search", { exact: true }).fill("");
    await page.getByRole("list", { name: "Nodes by state" }).getByRole("link", { name: /ready/ }).click();
    await expect.poll(rows, { timeout: 10_000 }).toEqual(["vn02"]);
    await shot(page, "fleet-viewer-filtered");
    await page.goto(`${server.url}/#/nodes/prod01`);
    await page.getByRole("heading", { level: 1, name: /prod01/ }).waitFor();
    expect(await page.locator("main button").count()).toBe(0);
    await page.goto(`${server.url}/#/nodes/vn01`);
    await page.getByRole("heading", { level: 1, name: /vn01/ }).waitFor();
    await page.locator("pre.log").waitFor();
    expect(await page.locator("main button").count()).toBe(0);
    await shot(page, "node-vn01-viewer");
    await page.goto(`${server.url}/#/images/${image}`);
    await page.getByRole("table", { name: `Versions of ${image}` }).waitFor();
    await page.getByRole("row", { name: /^v2/ }).waitFor();
    expect(await page.locator("main button", { hasText: /current/ }).count()).toBe(0);
    await shot(page, "image-viewer");
    expect(pageErrors).toEqual([]);
  });
});
