import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticatePassword, authenticateToken } from "../../src/auth/accounts.js";
import { nodeFacts } from "../../src/auth/node-facts.js";
import { isSyscloneError } from "../../src/errors/errors.js";
import { spawn } from "node:child_process";
import { cliOk, projectRoot, runCli, type CliResult } from "../helpers/cli.js";
import { withHomeStore } from "../helpers/store.js";

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-users-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const sysclone = (args: string[], input?: string): Promise<CliResult> => runCli(home, "sysclone", args, input === undefined ? {} : { input });

function expectRefusal(result: CliResult, code: string, exit: number): void {
  expect(result.code, result.stderr).toBe(exit);
  expect(result.stderr).toMatch(new RegExp(`^error \\[${code}\\]: [^\\n]+\\n$`));
}

/** The code a function throws, or "ok". */
async function outcome(work: () => unknown): Promise<string> {
  try {
    await work();
    return "ok";
  } catch (error) {
    return isSyscloneError(error) ? `${error.code}: ${error.message}` : `other: ${String(error)}`;
  }
}

/** Every text value in every table of the home's database. */
function allStoredText(): string[] {
  const db = new Database(path.join(home, "var", "sysclone.db"), { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    return tables.flatMap((table) => (db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]).flatMap((row) => Object.values(row).map(String)));
  } finally {
    db.close();
  }
}

async function databaseBytes(): Promise<string> {
  const file = path.join(home, "var", "sysclone.db");
  const parts = await Promise.all([file, `${file}-wal`].map((f) => readFile(f).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts).toString("latin1");
}

const tokenLine = /^sct_\d+_[A-Za-z0-9_-]{43}$/m;

/**
 * `sysclone user passwd NAME` at a terminal (util-linux script(1) gives it a pty): each answer is
 * typed only once its prompt has appeared, as a person would. What the terminal showed, and the exit.
 */
function passwdAtTerminal(name: string, answers: readonly string[]): Promise<{ shown: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const command = `${process.execPath} ${path.join(projectRoot, "bin", "sysclone.js")} user passwd ${name}`;
    const child = spawn("script", ["-qec", command, "/dev/null"], { env: { ...process.env, SYSCLONE_HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
    let shown = "";
    const pending = [...answers];
    const prompts = [/new password for \S+: $/, /again: $/];
    child.stdout.on("data", (chunk: Buffer) => {
      shown += chunk.toString();
      const prompt = prompts[answers.length - pending.length];
      if (pending.length > 0 && prompt?.test(shown)) child.stdin.write(`${pending.shift() ?? ""}\r`);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ shown, code }));
  });
}

describe("users and API tokens with the built CLI", () => {
  let aliceToken = "";

  it("user add prints a token once; the store keeps only its sha256", async () => {
    const added = await sysclone(["user", "add", "alice", "--role", "operator", "--groups", "rack1,rack2"]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^user alice added \(operator, groups rack1,rack2\); API token 1, shown only now:\nsct_1_[A-Za-z0-9_-]{43}\n$/);
    expect(added.stderr).toContain("warning: group rack1 has no nodes yet");
    aliceToken = tokenLine.exec(added.stdout)?.[0] ?? "";

    const json = await sysclone(["user", "add", "bob", "--role", "viewer", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { user: string; token: string; role: string; groups: string[] };
    expect(parsed).toMatchObject({ user: "bob", role: "viewer", groups: [] });
    expect(parsed.token).toMatch(/^sct_2_[A-Za-z0-9_-]{43}$/);

    const stored = allStoredText();
    const bytes = await databaseBytes();
    for (const token of [aliceToken, parsed.token]) {
      expect(stored.some((value) => value.includes(token)), "a clear token in a row").toBe(false);
      expect(bytes.includes(token), "a clear token in the database file").toBe(false);
      expect(stored).toContain(createHash("sha256").update(token).digest("hex"));
    }
    // Listing never shows a token again.
    const list = await cliOk(home, "sysclone", "token", "list");
    expect(list).not.toMatch(/sct_/);
    expect(list).toMatch(/^ {3}1 {2}alice {12}active {2}created=\S+ expires=never last-used=never\n {3}2 {2}bob /);
  });

  it("a token stands for its user until revoked; its last use is noted", async () => {
    const principal = withHomeStore(home, (store) => authenticateToken(store, aliceToken));
    expect(principal).toEqual({ name: "alice", role: "operator", groups: ["rack1", "rack2"] });
    const listed = JSON.parse(await cliOk(home, "sysclone", "token", "list", "alice", "--json")) as { id: number; state: string; lastUsed: string }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]?.state).toBe("active");
    expect(listed[0]?.lastUsed).toMatch(/^\d{4}-\d\d-\d\dT/);
    const wrong = `${aliceToken.slice(0, -1)}${aliceToken.endsWith("A") ? "B" : "A"}`;
    expect(await outcome(() => withHomeStore(home, (store) => authenticateToken(store, wrong)))).toBe("UNAUTHENTICATED: the API token is not valid");
    expect(await outcome(() => withHomeStore(home, (store) => authenticateToken(store, "sct_99_" + "a".repeat(43))))).toBe("UNAUTHENTICATED: the API token is not valid");

    expect(await cliOk(home, "sysclone", "token", "revoke", "1")).toBe("API token 1 of alice revoked\n");
    expect(await outcome(() => withHomeStore(home, (store) => authenticateToken(store, aliceToken)))).toBe("UNAUTHENTICATED: API token 1 was revoked");
    expectRefusal(await sysclone(["token", "revoke", "1"]), "USAGE", 2);
    expectRefusal(await sysclone(["token", "revoke", "42"]), "UNKNOWN_OBJECT", 4);
    expectRefusal(await sysclone(["token", "revoke", "one"]), "USAGE", 2);
    expect(await cliOk(home, "sysclone", "token", "list", "alice")).toMatch(/^ {3}1 {2}alice {12}revoked /);
  });

  it("a token expires; a bad --expires creates nothing", async () => {
    const added = await cliOk(home, "sysclone", "token", "add", "alice", "--expires", "3s");
    expect(added).toMatch(/^API token 3 for alice \(expires \S+\), shown only now:\nsct_3_/);
    const token = tokenLine.exec(added)?.[0] ?? "";
    expect(withHomeStore(home, (store) => authenticateToken(store, token)).name).toBe("alice");
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(await outcome(() => withHomeStore(home, (store) => authenticateToken(store, token)))).toMatch(/^UNAUTHENTICATED: API token 3 expired at \S+$/);
    expect(await cliOk(home, "sysclone", "token", "list", "alice")).toMatch(/\n {3}3 {2}alice {12}expired /);

    expectRefusal(await sysclone(["token", "add", "alice", "--expires", "soon"]), "BAD_EXPIRY", 2);
    expectRefusal(await sysclone(["token", "add", "nobody"]), "UNKNOWN_OBJECT", 4);
    expect(withHomeStore(home, (store) => store.users.tokens().length)).toBe(3);
  });

  it("user passwd reads one line from stdin, never an argument; stores scrypt", async () => {
    expect((await sysclone(["user", "passwd", "alice"], "correct horse battery\nignored\n")).stdout).toBe("password of alice set\n");
    const hash = withHomeStore(home, (store) => store.users.get("alice")?.passwordHash ?? "");
    expect(hash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(allStoredText().some((value) => value.includes("correct horse"))).toBe(false);
    expect(await outcome(() => withHomeStore(home, (store) => authenticatePassword(store, "alice", "correct horse battery")))).toBe("ok");
    expect(await outcome(() => withHomeStore(home, (store) => authenticatePassword(store, "alice", "correct horse")))).toBe("UNAUTHENTICATED: wrong user name or password");
    expect(await outcome(() => withHomeStore(home, (store) => authenticatePassword(store, "bob", "")))).toBe("UNAUTHENTICATED: wrong user name or password");

    expectRefusal(await sysclone(["user", "passwd", "alice"], "short\n"), "BAD_PASSWORD", 2);
    expectRefusal(await sysclone(["user", "passwd", "alice"], ""), "BAD_PASSWORD", 2);
    expectRefusal(await sysclone(["user", "passwd", "alice", "the-password"]), "USAGE", 2);
    expectRefusal(await sysclone(["user", "passwd", "carol"], "long enough\n"), "UNKNOWN_OBJECT", 4);
    // The refusals left the password as it was.
    expect(withHomeStore(home, (store) => store.users.get("alice")?.passwordHash)).toBe(hash);
  });

  it("user passwd at a terminal asks twice and echoes nothing", async () => {
    const before = withHomeStore(home, (store) => store.users.get("alice")?.passwordHash);
    const differ = await passwdAtTerminal("alice", ["first try 123", "second try 123"]);
    expect(differ.shown).not.toContain("try 123");
    expect(differ.shown).toContain("error [BAD_PASSWORD]: the two passwords differ");
    expect(differ.code).toBe(2);
    expect(withHomeStore(home, (store) => store.users.get("alice")?.passwordHash)).toBe(before);

    // Ctrl-C at the prompt ends the command (raw mode keeps it from the process as a signal).
    const interrupted = await passwdAtTerminal("alice", ["half typed\x03"]);
    expect(interrupted.shown).toContain("error [BAD_PASSWORD]: no password given (interrupted)");
    expect(interrupted.code).toBe(2);
    expect(interrupted.shown).not.toContain("half typed");

    const typed = await passwdAtTerminal("alice", ["typed at a tty", "typed at a tty"]);
    expect(typed.shown).not.toContain("typed at");
    expect(typed.shown.replace(/\r/g, "")).toBe("new password for alice: \nagain: \npassword of alice set\n");
    expect(typed.code).toBe(0);
    expect(await outcome(() => withHomeStore(home, (store) => authenticatePassword(store, "alice", "typed at a tty")))).toBe("ok");
  });

  it("refuses bad users on one line, changing nothing", async () => {
    expectRefusal(await sysclone(["user", "add", "alice", "--role", "viewer"]), "ALREADY_EXISTS", 4);
    expectRefusal(await sysclone(["user", "add", "carol", "--role", "superuser"]), "BAD_ROLE", 2);
    expectRefusal(await sysclone(["user", "add", "carol"]), "USAGE", 2);
    expectRefusal(await sysclone(["user", "add", "carol", "--role", "admin", "--groups", "rack1"]), "USAGE", 2);
    expectRefusal(await sysclone(["user", "add", "root", "--role", "admin"]), "BAD_NAME", 2);
    expectRefusal(await sysclone(["user", "add", "car\nol", "--role", "viewer"]), "BAD_NAME", 2);
    expectRefusal(await sysclone(["user", "add", "carol", "--role", "viewer", "--groups", "a b"]), "BAD_NAME", 2);
    expectRefusal(await sysclone(["user", "list", "--role", "viewer"]), "USAGE", 2);
    expectRefusal(await sysclone(["user", "frobnicate"]), "USAGE", 2);
    expect(withHomeStore(home, (store) => store.users.list().map((u) => u.name))).toEqual(["alice", "bob"]);
  });

  it("user list shows roles, scope, password and active tokens; user del removes the user and its tokens", async () => {
    const listed = JSON.parse(await cliOk(home, "sysclone", "user", "list", "--json")) as Record<string, unknown>[];
    expect(listed.map(({ created: _created, ...rest }) => rest)).toEqual([
      { user: "alice", role: "operator", groups: "rack1,rack2", password: true, activeTokens: 0 },
      { user: "bob", role: "viewer", groups: "", password: false, activeTokens: 1 },
    ]);
    expect(await cliOk(home, "sysclone", "user", "list")).toMatch(/^alice {12}operator groups=rack1,rack2 password=set tokens=0 created=\S+\nbob {14}viewer {3}groups=\(all\) password=none tokens=1 created=\S+\n$/);
    const bobToken = withHomeStore(home, (store) => store.users.tokens("bob")[0]?.id);
    expect(await cliOk(home, "sysclone", "user", "del", "bob")).toBe("user bob and its tokens removed\n");
    expect(withHomeStore(home, (store) => [store.users.get("bob"), bobToken === undefined ? "none" : store.users.token(bobToken)])).toEqual([undefined, undefined]);
    expectRefusal(await sysclone(["user", "del", "bob"]), "UNKNOWN_OBJECT", 4);
    expectRefusal(await sysclone(["token", "list", "bob"]), "UNKNOWN_OBJECT", 4);
  });

  it("the audit log has every user and token change, and no secret", async () => {
    const lines = (await cliOk(home, "sysclone", "audit", "-t", "user")).trimEnd().split("\n");
    expect(lines.map((line) => line.replace(/^\S+ {2}/, ""))).toEqual([
      'root via cli from local  user add alice: created with role="operator", groups="rack1,rack2", password="none"',
      'root via cli from local  user add bob: created with role="viewer", password="none"',
      'root via cli from local  user passwd alice: password: "none" → "set"',
      'root via cli from local  user passwd alice: password: "set" → "changed"',
      "root via cli from local  user del bob: removed",
    ]);
    const tokens = JSON.parse(await cliOk(home, "sysclone", "audit", "-t", "token", "--json")) as { action: string; name: string }[];
    expect(tokens.map((t) => `${t.action} ${t.name}`)).toEqual(["token add 1", "token add 2", "token revoke 1", "token add 3"]);
    expect(JSON.stringify(tokens)).not.toMatch(/sct_|scrypt/);
  });
});

describe("audit of mkdef and rmdef, and protected nodes", () => {
  it("sysclone audit NODE shows who changed it, when, from where, before → after", async () => {
    await cliOk(home, "mkdef", "n[01-02]", "groups=rack1", "ip=10.0.0.1");
    await cliOk(home, "mkdef", "-f", "n01", "groups=rack1,gpu", "ip=10.0.0.2");
    await cliOk(home, "mkdef", "-t", "group", "gpu", "members=n[01-02]");
    // A refused mkdef changes nothing and records nothing.
    expectRefusal(await runCli(home, "mkdef", ["n03", "ip=not-an-address"]), "BAD_ATTRIBUTE", 2);
    await cliOk(home, "rmdef", "-t", "group", "gpu");
    await cliOk(home, "rmdef", "n01");

    const text = await cliOk(home, "sysclone", "audit", "n01");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}root via cli from local {2}/);
    expect(lines.map((line) => line.replace(/^\S+ {2}root via cli from local {2}/, ""))).toEqual([
      'mkdef node n01: created with groups="rack1", ip="10.0.0.1", sshuser="root", sshport="22", allowsmaller="no", finalaction="reboot", state="defined", bmcport="623"',
      'mkdef node n01: groups: "rack1" → "rack1,gpu", ip: "10.0.0.1" → "10.0.0.2"',
      'rmdef node n01: groups: "rack1,gpu" → "rack1"',
      "rmdef node n01: removed",
    ]);
    // Group membership changes show on the nodes they change; the group itself is recorded too.
    const n02 = JSON.parse(await cliOk(home, "sysclone", "audit", "n02", "--json")) as { action: string; before: Record<string, string> | null; after: Record<string, string> | null }[];
    expect(n02.map((r) => [r.action, r.before?.["groups"] ?? null, r.after?.["groups"] ?? null])).toEqual([
      ["mkdef", null, "rack1"],
      ["mkdef", "rack1", "rack1,gpu"],
      ["rmdef", "rack1,gpu", "rack1"],
    ]);
    expect((await cliOk(home, "sysclone", "audit", "-t", "group", "gpu")).trimEnd().split("\n").map((line) => line.replace(/^\S+ {2}root via cli from local {2}/, ""))).toEqual([
      'mkdef group gpu: created with priority="50"',
      "rmdef group gpu: removed",
    ]);
    expect(await cliOk(home, "sysclone", "audit", "n03")).toBe("no changes recorded\n");
    expect((await cliOk(home, "sysclone", "audit", "n[01-02]", "--limit", "2")).trimEnd().split("\n").map((line) => line.split("  ")[2])).toEqual(["rmdef node n02: groups: \"rack1,gpu\" → \"rack1\"", "rmdef node n01: removed"]);
    expectRefusal(await sysclone(["audit", "-t", "printer"]), "USAGE", 2);
    expect(await cliOk(home, "sysclone", "audit", "--actor", "alice")).toBe("no changes recorded\n");
    expectRefusal(await sysclone(["audit", "--actor", "bad name"]), "BAD_NAME", 2);
    // Following the log: the records after an id, oldest first, a page at a time.
    const everything = withHomeStore(home, (store) => store.audit.list({ actor: "root" }));
    const third = everything[2]?.id ?? 0;
    expect(withHomeStore(home, (store) => store.audit.list({ after: third, limit: 2 })).map((r) => r.id)).toEqual([everything[3]?.id, everything[4]?.id]);
    expect(withHomeStore(home, (store) => store.audit.list({ limit: 2 })).map((r) => r.id)).toEqual(everything.slice(-2).map((r) => r.id));
    expect(withHomeStore(home, (store) => store.audit.list({ type: "node", names: [] }))).toEqual([]);
  });

  it("protected=yes with a reason on a node or group is kept, checked, and seen by the policy", async () => {
    await cliOk(home, "mkdef", "db01", "groups=databases", "protected=yes", "protectreason=primary database");
    await cliOk(home, "mkdef", "-t", "group", "frozen", "protected=yes", "protectreason=change freeze", "members=n02");
    expectRefusal(await runCli(home, "mkdef", ["db02", "protected=maybe"]), "BAD_ATTRIBUTE", 2);
    const shown = JSON.parse(await cliOk(home, "lsdef", "db01", "-i", "protected,protectreason", "--json")) as unknown;
    expect(shown).toEqual([{ name: "db01", objtype: "node", protected: "yes", protectreason: "primary database" }]);
    const facts = withHomeStore(home, (store) => nodeFacts(store, ["db01", "n02"]));
    expect(facts).toEqual([
      { name: "db01", groups: ["databases"], protection: { by: "node", name: "db01", reason: "primary database" } },
      { name: "n02", groups: ["rack1", "frozen"], protection: { by: "group", name: "frozen", reason: "change freeze" } },
    ]);
  });

  it("nodeset at the shell refuses a protected node without --force, names the reason, changes nothing; chdef and nodeset are audited", async () => {
    await cliOk(home, "mkdef", "-t", "osimage", "img9");
    await cliOk(home, "chdef", "db01", "osimage=img9");
    const refused = await runCli(home, "nodeset", ["db01", "osimage=img9"]);
    expectRefusal(refused, "PROTECTED", 55);
    expect(refused.stderr).toContain("primary database");
    expect(withHomeStore(home, (store) => store.requireObject("node", "db01")["destiny"])).toBe("");
    // A group's protection covers its members, in a range with others: all or nothing.
    expectRefusal(await runCli(home, "nodeset", ["n02,db01", "osimage=img9"]), "PROTECTED", 55);
    expect(withHomeStore(home, (store) => store.requireObject("node", "n02")["destiny"])).toBe("");
    // Booting from the local disk destroys nothing: allowed on a protected node.
    expect(await cliOk(home, "nodeset", "n02", "boot")).toBe("n02: boot\n");
    expect(await cliOk(home, "nodeset", "db01", "osimage=img9", "--force")).toBe("db01: install img9\n");
    const audit = JSON.parse(await cliOk(home, "sysclone", "audit", "db01", "--json")) as { actor: string; via: string; action: string; before: Record<string, string> | null; after: Record<string, string> | null }[];
    expect(audit.map((a) => a.action).slice(-2)).toEqual(["chdef", "nodeset"]);
    expect(audit.at(-1)).toMatchObject({ actor: "root", via: "cli", before: { destiny: "" }, after: { destiny: "install", state: "ready" } });
    expect(audit.at(-2)).toMatchObject({ before: { osimage: "" }, after: { osimage: "img9" } });
  });
});
