import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseNodesetAction } from "../../src/boot/destiny.js";
import { mkdef } from "../../src/cli/mkdef.js";
import { resolveHome } from "../../src/config/paths.js";
import { SyscloneError } from "../../src/errors/errors.js";
import type { SshSession, SshTarget } from "../../src/exec/ssh.js";
import { ImageRepository } from "../../src/image/repository.js";
import { tokenSha256 } from "../../src/install/tokens.js";
import { reinstallByKexec, type KexecRequest } from "../../src/reinstall/kexec.js";
import { Store } from "../../src/store/store.js";
import { runInProcess } from "../helpers/in-process.js";

/**
 * rinstall --kexec's order of work against a real store, with the SSH seam answered by a stand-in:
 * a real node would kexec (or reboot) the machine the test runs on, which no test may do. The real
 * route runs in a VM (test/e2e/pxe-vm.test.ts).
 */
interface Call {
  readonly node: string;
  readonly command: string;
  readonly stdin: string;
}

let home: string;
let store: Store;
const hostkey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx1Y2t5IHN0YW5kLWluIGtleSBmb3IgdGVzdHMgb25seQ";

function session(calls: Call[], answer: (command: string) => { code: number; stdout?: string; stderr?: string }): (target: SshTarget) => Promise<SshSession> {
  return (target) => {
    if (target.pinnedHostKey !== hostkey) return Promise.reject(new SyscloneError("SSH_HOSTKEY_CHANGED", "not the pinned key"));
    return Promise.resolve({
      client: undefined as never,
      hostKey: hostkey,
      exec: (command: string, options: { stdin?: string | Buffer } = {}) => {
        calls.push({ node: target.node, command, stdin: options.stdin === undefined ? "" : options.stdin.toString() });
        const { code, stdout = "", stderr = "" } = answer(command);
        return Promise.resolve({ code, stdout: Buffer.from(stdout), stderr });
      },
      close: () => undefined,
    });
  };
}

const kexecAnswers = (command: string): { code: number; stdout?: string } => {
  if (command.startsWith("sh -s -- probe")) return { code: 0, stdout: "METHOD=kexec\nSTAGE=/run/sysclone-reinstall\n" };
  if (command.startsWith("sh -s -- arm")) return { code: 0, stdout: "STARTED=systemctl kexec\n" };
  return { code: 0 };
};

async function reinstall(calls: Call[], answer: typeof kexecAnswers, request: Partial<KexecRequest> = {}, noderange = "n01") {
  const lines: string[] = [];
  const paths = resolveHome({ SYSCLONE_HOME: home });
  const result = await reinstallByKexec(
    { store, repository: new ImageRepository(paths.images), privateKeyFile: paths.privateKey, serverUrl: "http://10.0.0.1:8080", signal: new AbortController().signal, report: (node, message) => lines.push(`${node}: ${message}`), connect: session(calls, answer) },
    { noderange, action: parseNodesetAction("osimage=img1"), fanout: 4, timeoutMs: 10_000, connectTimeoutMs: 1000, ...request },
  );
  return { result, lines };
}

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), "sysclone-kexec-"));
  expect((await runInProcess(home, mkdef, ["-t", "osimage", "img1"])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n01", "ip=10.0.0.11", `hostkey=${hostkey}`])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n02", "ip=10.0.0.12", "nicmode=static", "netmask=255.255.255.0", "gateway=10.0.0.1", `hostkey=${hostkey}`])).code).toBe(0);
  expect((await runInProcess(home, mkdef, ["-t", "node", "n03", "ip=10.0.0.13"])).code).toBe(0);
  const netboot = path.join(home, "images", "img1", "netboot");
  await mkdir(netboot, { recursive: true });
  await writeFile(path.join(netboot, "kernel"), "the kernel");
  await writeFile(path.join(netboot, "initrd.img"), "the initrd");
  const paths = resolveHome({ SYSCLONE_HOME: home });
  await mkdir(paths.sshDir, { recursive: true });
  await writeFile(paths.privateKey, "a key", { mode: 0o600 });
  store = Store.open(paths.database, () => undefined);
});

afterEach(async () => {
  store.close();
  await rm(home, { recursive: true, force: true });
});

describe("rinstall --kexec", () => {
  it("sets the next boot, copies kernel and initrd, then issues the token and hands it over only through the channel, then arms kexec", async () => {
    const calls: Call[] = [];
    const { result, lines } = await reinstall(calls, kexecAnswers, {}, "n01,n02");
    expect(result.summary).toMatchObject({ total: 2, ok: 2, failed: [] });
    // The two nodes run side by side: each one's own calls, in order.
    const n01 = calls.filter((c) => c.node === "n01");
    expect(n01.map((c) => c.command)).toEqual([
      `sh -s -- probe ${"the kernel".length + "the initrd".length}`,
      "mkdir -p -m 700 /run/sysclone-reinstall",
      "cat > /run/sysclone-reinstall/kernel",
      "cat > /run/sysclone-reinstall/initrd.img",
      "cat > /run/sysclone-reinstall/cmdline",
      "sh -s -- arm kexec /run/sysclone-reinstall",
    ]);
    expect(n01[2]?.stdin).toBe("the kernel");
    expect(n01[3]?.stdin).toBe("the initrd");
    const cmdline = n01[4]?.stdin ?? "";
    const token = /sysclone\.token=([A-Za-z0-9_-]+)/.exec(cmdline)?.[1] ?? "";
    expect(cmdline).toBe(`console=tty0 console=ttyS0,115200 sysclone.server=http://10.0.0.1:8080 sysclone.node=n01 sysclone.token=${token} sysclone.onfail=shell\n`);
    // The token is on no command line, and it is the node's live install, bound to its address.
    expect(calls.some((c) => c.command.includes(token))).toBe(false);
    const install = store.installs.byToken(tokenSha256(token));
    expect(install).toMatchObject({ node: "n01", state: "issued", address: "10.0.0.11" });
    // A node with nicmode=static clones with its own address.
    expect(calls.find((c) => c.command.endsWith("/cmdline") && c.stdin.includes("sysclone.node=n02"))?.stdin).toContain("sysclone.ip=10.0.0.12/24 sysclone.gw=10.0.0.1 ");
    expect(store.getObject("node", "n01")).toMatchObject({ destiny: "install", osimage: "img1", state: "ready" });
    expect(store.events({ node: "n01", kind: "reinstall" })[0]?.message).toBe("rinstall --kexec: systemctl kexec into the clone initrd of img1");
    expect(store.audit.list({}).filter((a) => a.action === "rinstall").map((a) => a.name).sort()).toEqual(["n01", "n02"]);
    expect(lines).toContain("n01: kexec into the clone initrd");
  });

  it("a node without a pinned host key fails alone before any connection, and its next boot still installs", async () => {
    const calls: Call[] = [];
    const { result, lines } = await reinstall(calls, kexecAnswers, {}, "n01,n03");
    expect(result.summary).toMatchObject({ total: 2, ok: 1, failed: ["n03"] });
    expect(result.nodes.find((n) => n.node === "n03")?.error?.code).toBe("NO_PINNED_HOSTKEY");
    expect(lines.find((l) => l.startsWith("n03: failed:"))).toContain("updatenode n03 -k --fingerprint");
    expect(calls.some((c) => c.stdin.includes("sysclone.node=n03"))).toBe(false);
    expect(store.installs.latest("n03")).toBeUndefined();
    expect(store.getObject("node", "n03")?.["destiny"]).toBe("install");
    expect(store.events({ node: "n03", kind: "reinstall-failed" })[0]?.message).toMatch(/^rinstall --kexec: NO_PINNED_HOSTKEY: .* \(its next boot still installs img1\)$/);
  });

  it("a node with neither kexec nor grub-reboot fails with NO_REBOOT_METHOD, and no token is issued", async () => {
    const calls: Call[] = [];
    const { result } = await reinstall(calls, (command) => (command.startsWith("sh -s -- probe") ? { code: 4, stderr: "neither kexec (kexec-tools) nor grub-reboot is installed" } : { code: 0 }));
    expect(result.nodes[0]?.error).toMatchObject({ code: "NO_REBOOT_METHOD", hint: expect.stringContaining("install kexec-tools") as unknown });
    expect(calls).toHaveLength(1);
    expect(store.installs.latest("n01")).toBeUndefined();
  });

  it("a token issued to a node whose kexec then fails is revoked at once", async () => {
    const calls: Call[] = [];
    const { result } = await reinstall(calls, (command) => (command.startsWith("sh -s -- arm") ? { code: 1, stderr: "kexec_load failed: Operation not permitted" } : kexecAnswers(command)));
    expect(result.nodes[0]?.error?.code).toBe("SSH_COMMAND_FAILED");
    expect(result.nodes[0]?.error?.message).toContain("kexec_load failed");
    expect(store.installs.latest("n01")?.state).toBe("revoked");
  });

  it("--via grub asks the node for the one-time grub entry", async () => {
    const calls: Call[] = [];
    const { result } = await reinstall(calls, (command) => (command.startsWith("sh -s -- probe") ? { code: 0, stdout: "METHOD=grub\nSTAGE=/boot/sysclone-reinstall\n" } : kexecAnswers(command)), { prefer: "grub" });
    expect(result.nodes[0]).toMatchObject({ ok: true, method: "grub" });
    expect(calls[0]?.command).toMatch(/^sh -s -- probe \d+ grub$/);
    expect(calls.at(-1)?.command).toBe("sh -s -- arm grub /boot/sysclone-reinstall");
  });

  it("an image without a clone initrd refuses the node, naming the command that builds one", async () => {
    await rm(path.join(home, "images", "img1", "netboot"), { recursive: true });
    const { result } = await reinstall([], kexecAnswers);
    expect(result.nodes[0]?.error).toMatchObject({ code: "NO_KERNEL", hint: "sysclone initrd build img1" });
  });
});
