import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentPath } from "../../src/config/paths.js";
import { run } from "../../src/exec/runner.js";
import { buildManifest } from "../../src/image/manifest.js";
import { metadataList } from "../../src/install/verify-list.js";

// The node's checks of agent/clone/lib.sh (sc_hash_stream, sc_verify_pass) run as the clone runs them: under dash
// with this host's tools (virtual nodes) and under busybox sh with busybox's awk, stat and find (the initrd).
const shells: [string, string[]][] = [["dash", []], ["busybox", ["sh"]]];
const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

let work: string;
let root: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "sysclone-verify-"));
  root = path.join(work, "root");
  await mkdir(path.join(root, "etc"), { recursive: true });
  await writeFile(path.join(root, "etc", "passwd"), "root:x:0:0\n");
  await writeFile(path.join(root, "etc", "motd"), "hello\n");
  await writeFile(path.join(root, "name with space"), "spaces\n");
  await symlink("../etc/passwd", path.join(root, "etc", "link"));
  await mkdir(path.join(root, "odd"));
  await writeFile(path.join(root, "odd", "new\nline"), "x\n");
  // The manifest of the tree as it is now: what the clone must equal.
  const manifest = await buildManifest(root);
  await writeFile(path.join(work, "verify.list"), metadataList(`${manifest.entries.map((e) => JSON.stringify(e)).join("\n")}\n`).text);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function pass(shell: [string, string[]], mode: "hash" | "meta", early = ""): Promise<{ bad: string[]; extra: number; walk: string[] }> {
  await rm(path.join(work, "verify.early"), { recursive: true, force: true });
  await mkdir(path.join(work, "verify.early"));
  if (early !== "") await writeFile(path.join(work, "verify.early", "b0.sum"), early);
  const script = [
    "set -eu",
    `. ${agentPath("clone/lib.sh")}`,
    'SC_VERIFY_LIST="$SC_WORK/verify.list"',
    "SC_VERIFY_HASH=yes",
    `awk -F '\\t' '$1 == "f" { print $6 "  " $7 }' "$SC_VERIFY_LIST" >"$SC_WORK/verify.sha256"`,
    `sc_verify_pass "$0" ${mode} "$SC_WORK/verify.sha256"`,
    'echo "extra=$SC_VERIFY_EXTRA"',
  ].join("\n");
  const result = await run(shell[0], [...shell[1], "-c", script, root], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work, SC_LIB: agentPath("clone/lib.sh") } });
  expect(result.exitCode, result.stderrTail).toBe(0);
  const lines = async (file: string): Promise<string[]> => (await readFile(path.join(work, file), "utf8").catch(() => "")).split("\n").filter((l) => l !== "");
  return { bad: await lines("verify.bad"), extra: Number(/extra=(\d+)/.exec(result.stdoutTail)?.[1]), walk: await lines("meta.extra.walk") };
}

describe.each(shells)("the clone's own checks under %s", (...shell) => {
  it("hashes every file no early hash vouches for: an empty or stale early list never passes a wrong file", async () => {
    expect((await pass(shell, "hash")).bad).toEqual([]);
    await writeFile(path.join(root, "etc", "motd"), "HELLO\n");
    expect((await pass(shell, "hash")).bad).toEqual(["./etc/motd"]);
    // An early hash that matches the manifest vouches for its file; one that does not is taken again.
    expect((await pass(shell, "hash", `${sha("hello\n")} *./etc/motd\n`)).bad).toEqual([]);
    await writeFile(path.join(root, "etc", "motd"), "hello\n");
    expect((await pass(shell, "hash", `${"0".repeat(64)} *./etc/motd\n`)).bad).toEqual([]);
  });

  it("checks type, mode, owner, size and link target; counts entries the image lacks; leaves what it cannot name to rsync", async () => {
    expect(await pass(shell, "meta")).toEqual({ bad: [], extra: 0, walk: ["./odd"] });
    await chmod(path.join(root, "etc", "passwd"), 0o600);
    await rm(path.join(root, "etc", "link"));
    await symlink("../etc/shadow", path.join(root, "etc", "link"));
    await rm(path.join(root, "name with space"));
    await writeFile(path.join(root, "etc", "extra"), "not in the image\n");
    await writeFile(path.join(root, "odd", "also\nodd"), "inside a directory rsync walks\n");
    const result = await pass(shell, "meta");
    expect(result.bad).toEqual(["./etc/link", "./etc/passwd", "./name with space"]);
    expect(result.extra).toBe(1);
  });
});

describe("sc_hash_stream", () => {
  it.each(shells)("under %s hashes every regular file named (as rsync and tar print them), never a link, fifo or directory", async (...shell) => {
    const names = ["etc/", "etc/passwd", "./etc/motd", "name with space", "etc/link", "sysclone-file: etc/motd"].join("\n");
    await run("mkfifo", [path.join(root, "fifo")]);
    const script = `set -eu\n. ${agentPath("clone/lib.sh")}\nprintf '%s\\nfifo\\n' "$1" | sc_hash_stream "$0" "$SC_WORK/out"`;
    await mkdir(path.join(work, "out"));
    const result = await run(shell[0], [...shell[1], "-c", script, root, names], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work }, timeoutMs: 20_000 });
    expect(result.exitCode, result.stderrTail).toBe(0);
    const sums = (await readFile(path.join(work, "out", "b0.sum"), "utf8")).split("\n").filter((l) => l !== "").sort();
    expect(sums).toEqual([`${sha("hello\n")} *./etc/motd`, `${sha("hello\n")} *./etc/motd`, `${sha("root:x:0:0\n")} *./etc/passwd`, `${sha("spaces\n")} *./name with space`].sort());
  });

  it.each(shells)("under %s ends a batch at 48 MiB of the manifest's sizes (one openssl per batch), and hashes every file once", async (...shell) => {
    const files = Array.from({ length: 7 }, (_, i) => `f${i}`);
    for (const f of files) await writeFile(path.join(root, f), `content ${f}\n`);
    // The list claims 20 MiB each: two files make a batch, the third ends it at 60 MiB ≥ 48 MiB.
    const list = files.map((f) => ["f", "644", "0", "0", String(20 * 1024 * 1024), sha(`content ${f}\n`), `./${f}`].join("\t")).join("\n");
    await writeFile(path.join(work, "sizes.list"), `${list}\n`);
    const script = `set -eu\n. ${agentPath("clone/lib.sh")}\nprintf '%s\\n' "$1" | sc_hash_stream "$0" "$SC_WORK/out" "$SC_WORK/sizes.list"`;
    await mkdir(path.join(work, "out"));
    const result = await run(shell[0], [...shell[1], "-c", script, root, files.join("\n")], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work }, timeoutMs: 20_000 });
    expect(result.exitCode, result.stderrTail).toBe(0);
    const batches = (await readdir(path.join(work, "out"))).filter((f) => /^b\d+$/.test(f)).sort();
    expect(batches).toEqual(["b0", "b1", "b2"]);
    const sums: string[] = [];
    for (const b of batches) sums.push(...(await readFile(path.join(work, "out", `${b}.sum`), "utf8")).split("\n").filter((l) => l !== ""));
    expect(sums.sort()).toEqual(files.map((f) => `${sha(`content ${f}\n`)} *./${f}`).sort());
  });
});

describe("sc_json_string", () => {
  // The general case, as the clone ran it for every message before plain ones took a short cut.
  const general = `printf '%s' "$1" | tr -d '\\000-\\010\\013-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' -e 's/\t/\\\\t/g' | awk 'BEGIN { ORS = "" } { if (NR > 1) print "\\\\n"; print }'`;
  it.each(shells)("under %s: any text's body is the general case's, and a valid JSON string", async (...shell) => {
    const script = `. ${agentPath("clone/lib.sh")}\nprintf '%s' "$(sc_json_string "$1")"; printf '\\001'; ${general}`;
    const texts = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: "binary", maxLength: 30 }).map((t) => t.replace(/\0/g, "")),
      fc.constantFrom("copy the image", "say \"hi\"", "a\\b", "tab\there", "line\nbreak\n", "bell\u0007", "é ü", "~ and  space"),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const result = await run(shell[0], [...shell[1], "-c", script, "sh", text], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work } });
        const [ours, reference] = result.stdoutTail.split("\u0001");
        expect(ours).toBe(reference);
        expect(typeof JSON.parse(`"${ours ?? ""}"`)).toBe("string");
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe("what the clone reads of the server's answers", () => {
  // As busybox wget -S writes them to stderr: a redirect first, then the answer; header names in any case, CRLF kept.
  const headers = [
    "Connecting to 10.0.0.1:8080 (10.0.0.1:8080)",
    "  HTTP/1.1 302 Found\r",
    "  x-sysclone-signature: stale==\r",
    "  HTTP/1.1 200 OK\r",
    "  X-Sysclone-Signature:   c2lnbmF0dXJl+/==  \r",
    "  x-sysclone-rsync-password: Abc-_123\r",
    "  content-type: text/x-shellscript\r",
    "",
  ].join("\n");
  it.each(shells)("under %s: the last status and the last value of each header, no CR or blanks; the token's digest", async (...shell) => {
    await writeFile(path.join(work, "answer.headers"), headers);
    await writeFile(path.join(work, "none.headers"), "wget: can't connect to remote host: Connection refused\n");
    const script = [
      `. ${agentPath("clone/lib.sh")}`,
      'for f in answer none; do echo "status=[$(sc_http_status "$SC_WORK/$f.headers")]"; done',
      'echo "signature=[$(sc_header x-sysclone-signature "$SC_WORK/answer.headers")]"',
      'echo "password=[$(sc_header X-SYSCLONE-RSYNC-PASSWORD "$SC_WORK/answer.headers")]"',
      'echo "missing=[$(sc_header x-sysclone-other "$SC_WORK/answer.headers")][$(sc_header x-sysclone-signature "$SC_WORK/nowhere")]"',
      'sc_set_token_digest; echo "digest=$SC_TOKEN_DIGEST"',
    ].join("\n");
    const result = await run(shell[0], [...shell[1], "-c", script], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work, SC_TOKEN: "per-boot token" } });
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(result.stdoutTail).toBe(
      ["status=[200]", "status=[]", "signature=[c2lnbmF0dXJl+/==]", "password=[Abc-_123]", "missing=[][]", `digest=${sha("per-boot token")}`, ""].join("\n"),
    );
  });
});

describe("sc_rsync_progress", () => {
  // rsync --info=progress2 lines for an image of 1,000,000 bytes: a fast copy prints hundreds a second.
  const line = (percent: number): string => `     ${(percent * 10_000).toLocaleString("en-US")} ${percent}%   10.00MB/s    0:00:01 (xfr#${percent}, to-chk=0/9)\r`;
  async function posts(shell: [string, string[]], feed: string): Promise<{ percent: number; bytes: number }[]> {
    const script = [`. ${agentPath("clone/lib.sh")}`, "sc_post() { echo \"$2\" >>\"$SC_WORK/posts\"; }", "SC_STEP=pull", `{ ${feed}; } | sc_rsync_progress 1000000`].join("\n");
    const result = await run(shell[0], [...shell[1], "-c", script], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work } });
    expect(result.exitCode, result.stderrTail).toBe(0);
    const text = await readFile(path.join(work, "posts"), "utf8").catch(() => "");
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { percent: number; bytes: number });
  }

  it.each(shells)("under %s: a copy faster than the clock posts once a second at most, and always its last step", async (...shell) => {
    const burst = Array.from({ length: 101 }, (_, i) => `printf '%s' '${line(i)}'`).join("; ");
    const sent = await posts(shell, burst);
    // Without the clock: one post per 2% (51). Within one second: the first, perhaps one as the second turns, and the last.
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.length).toBeLessThanOrEqual(3);
    expect(sent.at(-1)).toEqual({ phase: "pull", percent: 80, bytes: 1_000_000 });
  });

  it.each(shells)("under %s: a copy slower than the clock posts every step of 2%% or more", async (...shell) => {
    // rsync repeats a step's line many times; mawk (dash's awk here) reads a pipe in blocks, so each step is 80 KB of lines.
    const step = (percent: number): string => `i=0; while [ $i -lt 1000 ]; do printf '%s' '${line(percent)}'; i=$((i + 1)); done`;
    const sent = await posts(shell, [step(10), step(11), "sleep 1.3", step(20), "sleep 1.3", step(30)].join("; "));
    expect(sent.map((post) => post.percent)).toEqual([10 + 7, 10 + 14, 10 + 21]);
  });
});

// Every process the clone starts costs 5-10 ms here and several times that in an emulated machine; these helpers
// used to start one per log line and one or more per inventory value. Stand-ins named like the tools they replace
// log their calls and run the real one, under dash (busybox sh may run its own applets in-process).
async function toolLog(names: readonly string[]): Promise<{ bin: string; calls: () => Promise<string[]> }> {
  const bin = path.join(work, "bin");
  await mkdir(bin, { recursive: true });
  for (const name of names) {
    const real = (await run("sh", ["-c", `command -v ${name}`])).stdoutTail.trim();
    await writeFile(path.join(bin, name), `#!/bin/sh\necho ${name} >>"${path.join(work, "calls")}"\nexec ${real} "$@"\n`);
    await chmod(path.join(bin, name), 0o755);
  }
  return { bin, calls: async () => (await readFile(path.join(work, "calls"), "utf8").catch(() => "")).split("\n").filter((l) => l !== "") };
}

describe("the clone's clock", () => {
  it.each(shells)("under %s: log lines carry the time of day within a second, and the elapsed time carries into the plan", async (...shell) => {
    const script = [
      "set -eu",
      `. ${agentPath("clone/lib.sh")}`,
      "sc_log first 2>&1",
      "sleep 1.2",
      // The plan is another sh that sources the library again: the clock started by the client goes on.
      `${shell[0]} ${shell[1].join(" ")} -c '. ${agentPath("clone/lib.sh")}; sc_clock; echo "elapsed=$SC_ELAPSED"; sc_log second 2>&1'`,
    ].join("\n");
    const result = await run(shell[0], [...shell[1], "-c", script], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work } });
    const after = new Date();
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(result.stdoutTail).toMatch(/^sysclone: \d\d:\d\d:\d\d first\nelapsed=1\nsysclone: \d\d:\d\d:\d\d second\n$/);
    const second = /(\d\d):(\d\d):(\d\d) second/.exec(result.stdoutTail)?.slice(1).map(Number) ?? [];
    const logged = ((second[0] ?? 0) * 3600 + (second[1] ?? 0) * 60 + (second[2] ?? 0)) * 1000;
    const local = new Date(after.getTime() - after.getTimezoneOffset() * 60_000);
    const now = (local.getTime() % 86_400_000 + 86_400_000) % 86_400_000;
    // The clock's start is guessed at the middle of date's second, so a line may read up to a second ahead or
    // behind; the line was written a moment before `after`. Both ways round midnight.
    const apart = (now - logged + 86_400_000) % 86_400_000;
    expect(Math.min(apart, 86_400_000 - apart)).toBeLessThanOrEqual(2_000);
  });

  it("starts one date per clone, not one per log line or duration", async () => {
    const tools = await toolLog(["date"]);
    const script = [`. ${agentPath("clone/lib.sh")}`, 'i=0; while [ $i -lt 20 ]; do sc_log "line $i"; i=$((i + 1)); done', "sc_clock"].join("\n");
    const result = await run("dash", ["-c", script], { env: { PATH: `${tools.bin}:${process.env["PATH"] ?? ""}`, SC_WORK: work } });
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(result.stderrTail.split("\n").filter((l) => /^sysclone: \d\d:\d\d:\d\d line \d+$/.test(l))).toHaveLength(20);
    expect(await tools.calls()).toEqual(["date"]);
  });
});

describe("the inventory", () => {
  const inventory = `. ${agentPath("clone/inventory.sh")}\nsc_inventory "$SC_WORK/inventory.env"`;

  it("reads /proc and /sys by the shell itself: two awk, no cat, grep, sed, head or readlink", async () => {
    const tools = await toolLog(["awk", "cat", "grep", "sed", "head", "readlink", "tr", "cut"]);
    const result = await run("dash", ["-c", inventory], { env: { PATH: `${tools.bin}:${process.env["PATH"] ?? ""}`, SC_WORK: work, SC_TARGET_DIR: "/clone" } });
    expect(result.exitCode, result.stderrTail).toBe(0);
    // Memory comes from the memory blocks where the kernel lists them, else from MemTotal (one sed).
    const blocks = await readFile("/sys/devices/system/memory/block_size_bytes", "utf8").then(() => true, () => false);
    // tr and cut run only for a value that needs cleaning (a DMI string with other characters, say).
    expect((await tools.calls()).filter((tool) => tool !== "tr" && tool !== "cut")).toEqual(blocks ? ["awk", "awk"] : ["awk", "sed"]);
  });

  it("is the same JSON under dash and busybox, with this machine's CPUs and network interfaces", async () => {
    const outputs: string[] = [];
    for (const shell of shells) {
      const result = await run(shell[0], [...shell[1], "-c", inventory], { env: { PATH: process.env["PATH"] ?? "", SC_WORK: work, SC_TARGET_DIR: "/clone" } });
      expect(result.exitCode, result.stderrTail).toBe(0);
      outputs.push(result.stdoutTail);
    }
    expect(outputs[1]).toBe(outputs[0]);
    const parsed = JSON.parse(outputs[0] ?? "") as { cpu: { count: number }; memoryBytes: number; nics: { name: string; mac: string }[]; targetDirectory: string };
    const cpuinfo = await readFile("/proc/cpuinfo", "utf8");
    expect(parsed.cpu.count).toBe(cpuinfo.split("\n").filter((l) => l.startsWith("processor")).length);
    expect(parsed.memoryBytes).toBeGreaterThan(0);
    expect(parsed.targetDirectory).toBe("/clone");
    for (const nic of parsed.nics) {
      expect((await readFile(`/sys/class/net/${nic.name}/address`, "utf8")).trim()).toBe(nic.mac);
    }
  });

  it.each(shells)("under %s: a value is kept when clean and cleaned as before otherwise; a file that cannot be read gives the default", async (...shell) => {
    const general = `printf '%s' "$1" | tr -cd 'A-Za-z0-9 ._:()@/,+-' | cut -c1-200`;
    // Both as the inventory takes them: through $(…), which drops cut's newline.
    const script = `. ${agentPath("clone/inventory.sh")}\nprintf '%s' "$(sc_inv_clean "$1")"; printf '\\001'; printf '%s' "$(${general})"`;
    const texts = fc.oneof(
      fc.string({ maxLength: 220 }),
      fc.stringMatching(/^[A-Za-z0-9 ._:()@/,+-]{190,210}$/),
      fc.constantFrom("QEMU HARDDISK   ", "Dell Inc.", "PowerEdge R640 (1.2)", "a'b", 'say "x"', "tab\tx", "é"),
    );
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const result = await run(shell[0], [...shell[1], "-c", script, "sh", text], { env: { PATH: process.env["PATH"] ?? "" } });
        const [ours, reference] = result.stdoutTail.split("\u0001");
        expect(ours).toBe(reference);
      }),
      { numRuns: 40 },
    );
    await writeFile(path.join(work, "value"), "first line\nsecond\n");
    await writeFile(path.join(work, "empty"), "");
    const reads = [`. ${agentPath("clone/inventory.sh")}`, 'for f in value empty missing; do sc_inv_get "$0/$f" dflt; echo "$f=[$inv]"; done', 'sc_inv_get "$0" dflt; echo "dir=[$inv]"'].join("\n");
    const result = await run(shell[0], [...shell[1], "-c", reads, work], { env: { PATH: process.env["PATH"] ?? "" } });
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(result.stdoutTail).toBe("value=[first line]\nempty=[dflt]\nmissing=[dflt]\ndir=[dflt]\n");
  }, 60_000);
});
