/**
 * The remote CLI (issue 15): nodels, lsdef, chdef, nodeset and nodestat with SYSCLONE_URL and an
 * API token, against a real `sysclone serve` on loopback, print what the same command prints at the
 * server's shell: stdout, stderr and exit status, byte for byte. For the admin the local run is on
 * a twin of the served home (same objects, same changes); for an operator scoped to the group lab it
 * is on a home holding only what that operator sees, so nodes outside its scope must look exactly
 * like nodes that do not exist. Then what differs on purpose: the roles, a refused token, a token
 * file others can read, commands that run only at the server's shell; and the audit of remote changes.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliOk, projectRoot, runCli, type CliResult } from "../helpers/cli.js";
import { startServe, type ServeProcess } from "../helpers/serve.js";
import { withHomeStore } from "../helpers/store.js";

const PORT = 18960;
const RSYNC_PORT = 19260;

/** The fleet: lab (the operator's group) with a protected node, prod outside its scope, compute across both. */
function fleetStanza(withProd: boolean): string {
  const node = (name: string, lines: string[]): string => [`${name}:`, "    objtype=node", ...lines.map((line) => `    ${line}`), ""].join("\n");
  return [
    "rocky9:\n    objtype=osimage\n    description=Rocky Linux 9 golden image\n",
    "lab:\n    objtype=group\n    priority=10\n",
    node("lab01", ["groups=lab,compute", "ip=10.0.0.11", "mac=52:54:00:00:00:11"]),
    node("lab02", ["groups=lab,compute", "ip=10.0.0.12", "mac=52:54:00:00:00:12"]),
    node("lab03", ["groups=lab", "ip=10.0.0.13"]),
    node("db01", ["groups=lab", "ip=10.0.0.20", "protected=yes", "protectreason=primary database"]),
    ...(withProd
      ? [
          "prod:\n    objtype=group\n    priority=20\n",
          node("prod01", ["groups=prod,compute", "ip=10.0.1.1"]),
          node("prod02", ["groups=prod,compute", "ip=10.0.1.2"]),
        ]
      : []),
  ].join("\n");
}

let dir: string;
/** Served by sysclone serve: the remote runs' world. */
let served: string;
/** The admin's twin: the same objects, the same changes, at the shell. */
let twin: string;
/** The operator's world: only the lab side. */
let scoped: string;
/** SYSCLONE_HOME of the remote runs: never created, as the remote CLI touches nothing local. */
let remoteHome: string;
let server: ServeProcess;
const tokens = { admin: "", operator: "" };
const tokenFiles = { admin: "", operator: "" };
/** Every output of a remote run, to check no token was ever printed. */
const remoteOutputs: string[] = [];

/** One of our commands with extra environment (and without any SYSCLONE_* the test runner may have). */
function runWith(env: Record<string, string>, command: string, args: readonly string[], input = ""): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("SYSCLONE_")));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, "bin", `${command}.js`), ...args], { env: { ...base, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

type Who = "admin" | "operator";

async function remote(who: Who, command: string, args: readonly string[], input = "", extra: Record<string, string> = {}): Promise<CliResult> {
  const result = await runWith({ SYSCLONE_HOME: remoteHome, SYSCLONE_URL: server.url, SYSCLONE_TOKEN_FILE: tokenFiles[who], ...extra }, command, args, input);
  remoteOutputs.push(result.stdout, result.stderr);
  return result;
}

/** The served and twin homes differ only in their paths (lsdef shows an osimage's imagedir). */
function normalise(result: CliResult, home: string): CliResult {
  const strip = (text: string): string => text.split(home).join("$HOME");
  return { code: result.code, stdout: strip(result.stdout), stderr: strip(result.stderr) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-remote-cli-"));
  [served, twin, scoped] = [path.join(dir, "served"), path.join(dir, "twin"), path.join(dir, "scoped")];
  remoteHome = path.join(dir, "remote-home-never-made");
  await Promise.all([
    runCli(served, "mkdef", ["-z"], { input: fleetStanza(true) }),
    runCli(twin, "mkdef", ["-z"], { input: fleetStanza(true) }),
    runCli(scoped, "mkdef", ["-z"], { input: fleetStanza(false) }),
  ]).then((results) => results.forEach((result) => expect(result.code, result.stderr).toBe(0)));
  for (const [who, user, role] of [["admin", "alice", ["--role", "admin"]], ["operator", "olga", ["--role", "operator", "--groups", "lab"]]] as const) {
    const added = JSON.parse(await cliOk(served, "sysclone", "user", "add", user, ...role, "--json")) as { token: string };
    tokens[who] = added.token;
    tokenFiles[who] = path.join(dir, `${user}.token`);
    await writeFile(tokenFiles[who], `${added.token}\n`, { mode: 0o600 });
  }
  await writeFile(path.join(dir, "labnodes"), "# the first two\nlab01\nlab02\n");
  server = await startServe(served, "127.0.0.1", PORT, RSYNC_PORT);
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Step {
  readonly args: readonly string[];
  /** The exit status both runs must have: a table of two identical failures would prove nothing. */
  readonly exit: number;
  readonly input?: string;
  /** Changes lab nodes: applied at the admin's twin too, so it stays the served home's twin. */
  readonly changes?: boolean;
}

const step = (exit: number, command: string, ...args: string[]): Step => ({ args: [command, ...args], exit });
const change = (exit: number, command: string, ...args: string[]): Step => ({ args: [command, ...args], exit, changes: true });

/** As the operator of lab: its world is the scoped home. Out-of-scope nodes and groups must look unknown. */
const operatorSteps: Step[] = [
  step(0, "nodels"),
  step(0, "nodels", "compute", "groups"),
  step(0, "nodels", "/.*", "-H", "ip", "groups"),
  step(0, "nodels", "/lab0[12]", "mac"),
  step(0, "nodels", "^LABNODES", "ip"),
  step(4, "nodels", "prod01"),
  step(4, "nodels", "lab,prod"),
  step(4, "nodels", "prod01", "--json"),
  step(2, "nodels", "lab["),
  step(0, "lsdef", "-t", "group"),
  step(0, "lsdef", "compute", "-i", "ip,groups"),
  step(4, "lsdef", "prod02"),
  step(0, "nodestat"),
  step(4, "nodestat", "prod01"),
  step(4, "nodeset", "prod01", "boot"),
  step(4, "nodeset", "prod", "shell", "--json"),
  step(4, "nodeset", "lab0[1-2],prod01", "shell"),
  change(0, "nodeset", "lab02", "osimage=rocky9"),
  change(0, "nodeset", "^LABNODES", "boot"),
  step(0, "nodestat", "lab", "--json"),
  step(0, "lsdef", "lab02", "-i", "destiny,state,osimage"),
  step(2, "nodeset", "lab03", "reinstall-please"),
];

/** As the admin: the twin home at the shell (as root). */
const adminSteps: Step[] = [
  step(0, "nodels"),
  step(0, "nodels", "compute,lab", "groups==prod"),
  step(0, "nodels", "lab0[1-3],-lab02", "ip", "mac"),
  step(0, "nodels", "compute@lab"),
  step(0, "nodels", "/prod.*", "hosts.ip"),
  step(0, "nodels", "lab", "--json"),
  step(2, "nodels", "lab", "nosuchattribute"),
  step(4, "nodels", "lab01,nosuch01"),
  step(0, "lsdef", "lab01"),
  step(0, "lsdef", "lab01", "-i", "ip,groups"),
  step(0, "lsdef", "lab", "-z"),
  step(0, "lsdef", "-t", "group", "lab"),
  step(0, "lsdef", "-t", "osimage", "rocky9"),
  step(0, "lsdef", "-a", "-s"),
  step(0, "lsdef", "prod01", "--json"),
  step(4, "lsdef", "nosuch"),
  step(4, "lsdef", "-t", "group", "nosuch"),
  step(0, "nodestat"),
  step(0, "nodestat", "prod", "--json"),
  step(4, "nodestat", "lab01,nosuch"),
  step(2, "nodestat", "lab0["),
  step(0, "nodeset", "db01", "boot"),
  step(55, "nodeset", "db01", "osimage=rocky9"),
  step(55, "nodeset", "lab", "osimage=rocky9"),
  step(0, "nodeset", "db01", "shell", "--force"),
  step(0, "nodeset", "prod0[1-2]", "wipe,osimage=rocky9"),
  step(4, "nodeset", "prod01", "osimage=nosuch"),
  step(42, "nodeset", "prod01", "osimage=rocky9@7"),
  step(2, "nodeset", "prod01"),
  step(54, "nodeset", "prod0[1-2]", "shell", "--confirm", "3"),
  step(0, "nodestat", "prod"),
  step(0, "chdef", "lab01", "ip=10.0.0.41"),
  step(0, "nodels", "lab01", "ip"),
  step(0, "chdef", "-p", "lab0[1-2]", "groups=extra"),
  step(0, "nodels", "extra"),
  step(0, "chdef", "-m", "lab02", "groups=extra"),
  step(0, "chdef", "new0[1-2]", "groups=lab", "ip=10.0.2.1"),
  step(0, "chdef", "-p", "-t", "group", "prod", "members=new02"),
  step(0, "lsdef", "-t", "group", "prod,lab"),
  step(2, "chdef", "lab01", "nosuchattribute=1"),
  step(2, "chdef", "-p", "lab01", "ip=10.0.0.9"),
  step(2, "chdef", "lab01"),
  { args: ["chdef", "-z"], exit: 0, input: "lab03:\n    objtype=node\n    ip=10.0.0.33\n    postscripts=hardeneddns\nnew03:\n    objtype=node\n    groups=prod\n" },
  { args: ["chdef", "-z"], exit: 2, input: "lab03:\n    objtype=printer\n" },
  step(0, "chdef", "-t", "node", "-o", "new01", "-n", "new09"),
  step(4, "chdef", "-t", "node", "-o", "nosuch", "-n", "new10"),
  step(2, "chdef", "-t", "node", "-o", "new02", "-n", "bad name"),
  step(0, "lsdef", "-a", "-z"),
  step(0, "nodestat", "--json"),
];

const substitute = (args: readonly string[]): string[] => args.map((arg) => arg.replace("LABNODES", path.join(dir, "labnodes")));

describe("the remote CLI prints what the local one prints", () => {
  it.each(operatorSteps.map((s) => [s.args.join(" "), s] as const))("operator of lab: %s", async (_name, s) => {
    const [command = "", ...args] = substitute(s.args);
    const local = await runCli(scoped, command, args, { input: s.input ?? "" });
    const far = await remote("operator", command, args, s.input);
    expect(local.code, local.stderr).toBe(s.exit);
    expect(normalise(far, served)).toEqual(normalise(local, scoped));
    if (s.changes) expect((await runCli(twin, command, args)).code).toBe(0);
  });

  it.each(adminSteps.map((s) => [s.args.join(" "), s] as const))("admin: %s", async (_name, s) => {
    const [command = "", ...args] = substitute(s.args);
    const local = await runCli(twin, command, args, { input: s.input ?? "" });
    const far = await remote("admin", command, args, s.input);
    expect(local.code, local.stderr).toBe(s.exit);
    if (s.exit !== 0) expect(local.stderr).toMatch(/^error \[[A-Z_]+\]: [^\n]+\n$/);
    expect(normalise(far, served)).toEqual(normalise(local, twin));
  });
});

describe("what differs on purpose", () => {
  it("the operator may not define, nor override protection, whatever the shell would do", async () => {
    const chdef = await remote("operator", "chdef", ["lab01", "ip=10.9.9.9"]);
    expect(chdef).toEqual({ code: 53, stdout: "", stderr: "error [FORBIDDEN]: olga is an operator and may not define — define needs the admin role; ask an admin\n" });
    const forced = await remote("operator", "nodeset", ["db01", "osimage=rocky9", "--force"]);
    expect(forced.code).toBe(55);
    expect(forced.stderr).toBe("error [PROTECTED]: nodeset refuses protected node db01 (node db01 is protected: primary database) — only an admin may override protection; nothing was changed\n");
    withHomeStore(served, (store) => {
      expect(store.requireObject("node", "lab01")["ip"]).toBe("10.0.0.41");
      expect(store.requireObject("node", "db01")["destiny"]).toBe("shell");
    });
  });

  it("remote changes are audited as the user, via api, from the client's address", () => {
    withHomeStore(served, (store) => {
      const records = store.audit.list();
      const of = (action: string, name: string) => records.filter((r) => r.action === action && r.name === name);
      expect(of("nodeset", "lab02")[0]).toMatchObject({ actor: "olga", via: "api", from: "127.0.0.1" });
      expect(of("nodeset", "db01").at(-1)).toMatchObject({ actor: "alice", via: "api", from: "127.0.0.1", after: expect.objectContaining({ destiny: "shell" }) as unknown });
      expect(of("chdef", "lab01").at(0)).toMatchObject({ actor: "alice", via: "api", from: "127.0.0.1", before: expect.objectContaining({ ip: "10.0.0.11" }) as unknown, after: expect.objectContaining({ ip: "10.0.0.41" }) as unknown });
      expect(of("rename", "new09")[0]).toMatchObject({ actor: "alice", via: "api", before: null });
      // Nothing the remote runs did is recorded as root: root is the local CLI.
      expect(records.filter((r) => r.actor === "root" && ["chdef", "nodeset", "rename"].includes(r.action))).toEqual([]);
    });
  });

  it("SYSCLONE_TOKEN works as the file does", async () => {
    const viaEnv = await runWith({ SYSCLONE_HOME: remoteHome, SYSCLONE_URL: server.url, SYSCLONE_TOKEN: tokens.operator }, "nodels", ["/.*", "ip"]);
    remoteOutputs.push(viaEnv.stdout, viaEnv.stderr);
    expect(viaEnv).toEqual(await remote("operator", "nodels", ["/.*", "ip"]));
    expect(viaEnv.stdout).toMatch(/^db01: 10\.0\.0\.20\nlab01: /);
  });

  it("a refused token is one line saying what to do, and the token is never printed", async () => {
    const revoked = await remote("operator", "nodestat", [], "", { SYSCLONE_TOKEN_FILE: await tokenFile("made-up", `sct_99_${"A".repeat(43)}`) });
    expect(revoked.code).toBe(52);
    expect(revoked.stdout).toBe("");
    expect(revoked.stderr).toMatch(/^error \[UNAUTHENTICATED\]: http:\/\/127\.0\.0\.1:18960 refused the API token from SYSCLONE_TOKEN_FILE "[^"]+made-up": the API token is not valid — ask an admin for a new token \(sysclone token add USER\), put it in a file only you can read \(chmod 600\) and set SYSCLONE_TOKEN_FILE to it\n$/);

    const id = JSON.parse(await cliOk(served, "sysclone", "token", "add", "olga", "--json")) as { tokenId: number; token: string };
    const file = await tokenFile("olga-second", id.token);
    expect((await remote("operator", "nodels", [], "", { SYSCLONE_TOKEN_FILE: file })).code).toBe(0);
    await cliOk(served, "sysclone", "token", "revoke", String(id.tokenId));
    const after = await remote("operator", "nodeset", ["lab01", "shell"], "", { SYSCLONE_TOKEN_FILE: file });
    expect(after.code).toBe(52);
    expect(after.stderr).toMatch(new RegExp(`^error \\[UNAUTHENTICATED\\]: [^\\n]*API token ${id.tokenId} was revoked — [^\\n]*\\n$`));
    expect(after.stderr).not.toContain(id.token);
    withHomeStore(served, (store) => expect(store.requireObject("node", "lab01")["destiny"]).toBe("boot"));
  });

  it("a token file other users can read is refused before anything is sent", async () => {
    const file = await tokenFile("open", tokens.operator);
    await chmod(file, 0o644);
    const result = await remote("operator", "nodels", [], "", { SYSCLONE_TOKEN_FILE: file });
    expect(result.code).toBe(59);
    expect(result.stderr).toMatch(/^error \[BAD_TOKEN_FILE\]: the token file "[^"]+open" is open to other users \(mode 0644\)[^\n]* — chmod 600 [^\n]+\n$/);
    const neither = await runWith({ SYSCLONE_HOME: remoteHome, SYSCLONE_URL: server.url }, "nodels", []);
    expect(neither.code).toBe(52);
    expect(neither.stderr).toMatch(/^error \[UNAUTHENTICATED\]: SYSCLONE_URL is set \(http:\/\/127\.0\.0\.1:18960\) but no API token is — [^\n]+\n$/);
  });

  it("commands that run only at the server's shell refuse, and nothing local is touched", async () => {
    const mkdef = await remote("admin", "mkdef", ["lab99"]);
    expect(mkdef.code).toBe(31);
    expect(mkdef.stderr).toMatch(/^error \[NOT_AVAILABLE\]: mkdef runs only at the server's shell, and SYSCLONE_URL is set \("http:\/\/127\.0\.0\.1:18960"\) — through the API: [^\n]*nodels[^\n]*\n$/);
    const unreachable = await runWith({ SYSCLONE_HOME: remoteHome, SYSCLONE_URL: "http://127.0.0.1:1", SYSCLONE_TOKEN_FILE: tokenFiles.admin }, "nodels", []);
    expect(unreachable).toEqual({ code: 46, stdout: "", stderr: "error [SERVER_UNREACHABLE]: cannot reach the sysclone server at http://127.0.0.1:1: ECONNREFUSED — check SYSCLONE_URL and that sysclone serve runs there\n" });
    expect(existsSync(remoteHome)).toBe(false);
    withHomeStore(served, (store) => expect(store.getObject("node", "lab99")).toBeUndefined());
  });

  it("no remote run printed a token", () => {
    expect(remoteOutputs.length).toBeGreaterThan(100);
    for (const output of remoteOutputs) {
      expect(output).not.toContain(tokens.admin);
      expect(output).not.toContain(tokens.operator);
      expect(output).not.toMatch(/sct_\d+_[A-Za-z0-9_-]{20,}/);
    }
  });
});

async function tokenFile(name: string, token: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return file;
}
