import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { projectRoot } from "./cli.js";

/** Debian's Chromium (scripts/setup.sh installs it); Playwright never downloads a browser here. */
export const CHROMIUM = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    timeout: 60_000,
  });
}

/** Where screenshots go: var/test-artifacts/<suite>/ (var/ is not committed), emptied of an earlier run's. */
export async function artifactDir(suite: string): Promise<string> {
  const dir = path.join(projectRoot, "var", "test-artifacts", suite);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A full-page screenshot named NN-step.png, so the files sort in the order the test took them. */
export function screenshotter(dir: string): (page: Page, step: string) => Promise<void> {
  let count = 0;
  return async (page, step) => {
    count++;
    await page.screenshot({ path: path.join(dir, `${String(count).padStart(2, "0")}-${step}.png`), fullPage: true });
  };
}
