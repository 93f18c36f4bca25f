import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardRoutes } from "../../server/dashboard/routes.js";
import { projectRoot } from "../helpers/cli.js";

let dir: string;
let app: FastifyInstance;

async function serverWith(publicDir: string, clientDir: string): Promise<FastifyInstance> {
  const server = Fastify();
  await server.register(dashboardRoutes, { publicDir, clientDir });
  return server;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-dashboard-"));
  await mkdir(path.join(dir, "public"));
  await mkdir(path.join(dir, "client", "pages"), { recursive: true });
  await writeFile(path.join(dir, "public", "index.html"), "<!doctype html><title>t</title>");
  await writeFile(path.join(dir, "public", "style.css"), "body{}");
  await writeFile(path.join(dir, "client", "main.js"), "export {};");
  await writeFile(path.join(dir, "client", "main.js.map"), "{}");
  await writeFile(path.join(dir, "client", "pages", "node.js"), "export const x = 1;");
  app = await serverWith(path.join(dir, "public"), path.join(dir, "client"));
});

afterAll(async () => {
  await app?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the dashboard's files at / and /ui/", () => {
  it("serves the page with a policy that allows only this server's own scripts, styles and API", async () => {
    const page = await app.inject({ url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toBe("<!doctype html><title>t</title>");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("serves modules one folder deep with their types, and answers 304 to a matching ETag", async () => {
    const module = await app.inject({ url: "/ui/pages/node.js" });
    expect(module.statusCode).toBe(200);
    expect(module.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(module.body).toBe("export const x = 1;");
    const again = await app.inject({ url: "/ui/pages/node.js", headers: { "if-none-match": String(module.headers["etag"]) } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: "/ui/style.css" })).headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it.each([
    ["/ui/main.js.map", 400],
    ["/ui/../routes.ts", 404],
    ["/ui/%2e%2e/%2e%2e/etc/passwd", 404],
    ["/ui/a/b/c.js", 400],
    ["/ui/missing.js", 404],
    ["/ui/Main.js", 400],
  ])("refuses %s (%i): only the files read at start, by strict names", async (url, status) => {
    expect((await app.inject({ url })).statusCode).toBe(status);
  });

  it("says how to build it when the browser modules are missing", async () => {
    const unbuilt = await serverWith(path.join(dir, "public"), path.join(dir, "nowhere"));
    const page = await unbuilt.inject({ url: "/" });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("npm run build");
    await unbuilt.close();
  });
});

describe("the built browser modules", () => {
  const client = path.join(projectRoot, "dist", "server", "dashboard", "client");

  async function modules(folder: string, prefix = ""): Promise<string[]> {
    const found: string[] = [];
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) found.push(...(await modules(path.join(folder, entry.name), `${prefix}${entry.name}/`)));
      else if (entry.name.endsWith(".js")) found.push(`${prefix}${entry.name}`);
    }
    return found;
  }

  it("import only each other at run time (type imports from the server and src are erased)", async () => {
    const files = await modules(client);
    expect(files).toContain("main.js");
    for (const file of files) {
      const text = await readFile(path.join(client, file), "utf8");
      for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] ?? ""));
        expect(files, `${file} imports ${match[1]}`).toContain(target);
      }
    }
  });
});
