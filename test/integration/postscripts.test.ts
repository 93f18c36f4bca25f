import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile, chmod, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/exec/runner.js";
import { projectRoot } from "../helpers/cli.js";
import { populateSystemTree } from "../../src/demo/system-tree.js";

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sysclone-postscripts-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh busybox root with the given os-release and files, the postscript run chrooted in it as the clone runs it. */
async function runChrooted(script: string, env: Record<string, string>, setup: (root: string) => Promise<void>, osRelease?: string) {
  const root = path.join(dir, `root${++count}`);
  await populateSystemTree(root, osRelease === undefined ? {} : { osRelease });
  await setup(root);
  await mkdir(path.join(root, ".sysclone"), { recursive: true });
  await copyFile(path.join(projectRoot, "postscripts", script), path.join(root, ".sysclone", script));
  await chmod(path.join(root, ".sysclone", script), 0o755);
  const result = await run("env", ["-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "chroot", root, `/.sysclone/${script}`]);
  const read = (file: string): Promise<string> => readFile(path.join(root, file), "utf8");
  return { result, root, read };
}

const staticEnv = { NODE: "n07", NODE_HOSTNAME: "n07.cluster", NICMODE: "static", IP: "10.1.2.7", NETMASK: "255.255.252.0", GATEWAY: "10.1.0.1", NAMESERVERS: "10.1.0.2,10.1.0.3", INSTALLNIC_MAC: "52:54:00:aa:bb:07", TARGET: "disks" };

describe("update_network in each distribution family", () => {
  it("Debian ifupdown: the golden client's interface gets the node's static address", async () => {
    const { result, read } = await runChrooted("update_network", staticEnv, () => Promise.resolve());
    expect(result.exitCode, result.stderrTail).toBe(0);
    expect(await read("etc/hostname")).toBe("n07\n");
    expect(await read("etc/hosts")).toContain("10.1.2.7\tn07.cluster n07 # sysclone");
    expect(await read("etc/hosts")).not.toContain("golden01");
    expect(await read("etc/machine-id")).toBe("");
    const interfaces = await read("etc/network/interfaces");
    expect(interfaces).toContain("iface enp1s0 inet static\n    address 10.1.2.7/22\n    gateway 10.1.0.1\n    dns-nameservers 10.1.0.2 10.1.0.3");
    expect(await read("etc/network/interfaces.golden")).toContain("iface enp1s0 inet dhcp");
    expect(await read("etc/resolv.conf")).toContain("nameserver 10.1.0.2\nnameserver 10.1.0.3\n");
  });

  it("Ubuntu netplan: matched by MAC", async () => {
    const { result, read } = await runChrooted("update_network", staticEnv, (root) => mkdir(path.join(root, "etc", "netplan")).then(() => undefined), 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n');
    expect(result.exitCode, result.stderrTail).toBe(0);
    const yaml = await read("etc/netplan/90-sysclone.yaml");
    expect(yaml).toContain('macaddress: "52:54:00:aa:bb:07"');
    expect(yaml).toContain('addresses: ["10.1.2.7/22"]');
    expect(yaml).toContain("via: 10.1.0.1");
  });

  it("RHEL 8: ifcfg with HWADDR for the golden client's device", async () => {
    const { result, read } = await runChrooted("update_network", staticEnv, async (root) => {
      await mkdir(path.join(root, "etc", "sysconfig", "network-scripts"), { recursive: true });
      await writeFile(path.join(root, "etc", "sysconfig", "network-scripts", "ifcfg-ens3"), "DEVICE=ens3\nBOOTPROTO=dhcp\n");
    }, 'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.9"\n');
    expect(result.exitCode, result.stderrTail).toBe(0);
    const ifcfg = await read("etc/sysconfig/network-scripts/ifcfg-ens3");
    expect(ifcfg).toContain("DEVICE=ens3\nHWADDR=52:54:00:aa:bb:07\n");
    expect(ifcfg).toContain("BOOTPROTO=none\nIPADDR=10.1.2.7\nPREFIX=22\nGATEWAY=10.1.0.1\nDNS1=10.1.0.2\nDNS2=10.1.0.3");
  });

  it("RHEL 9: a NetworkManager keyfile, mode 600", async () => {
    const { result, read, root } = await runChrooted("update_network", staticEnv, () => Promise.resolve(), 'ID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n');
    expect(result.exitCode, result.stderrTail).toBe(0);
    const keyfile = await read("etc/NetworkManager/system-connections/sysclone.nmconnection");
    expect(keyfile).toContain("mac-address=52:54:00:aa:bb:07");
    expect(keyfile).toContain("method=manual\naddress1=10.1.2.7/22,10.1.0.1\ndns=10.1.0.2;10.1.0.3;");
    const mode = (await run("stat", ["-c", "%a", path.join(root, "etc/NetworkManager/system-connections/sysclone.nmconnection")])).stdoutTail.trim();
    expect(mode).toBe("600");
  });

  it("SUSE: wicked ifcfg and routes; DHCP when the node says so", async () => {
    const { result, read } = await runChrooted("update_network", { ...staticEnv, NICMODE: "dhcp" }, () => Promise.resolve(), 'ID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n');
    expect(result.exitCode, result.stderrTail).toBe(0);
    const ifcfg = await read("etc/sysconfig/network/ifcfg-eth0");
    expect(ifcfg).toContain("BOOTPROTO='dhcp'");
    expect(ifcfg).toContain("LLADDR='52:54:00:aa:bb:07'");
    expect(await read("etc/hosts")).toContain("127.0.1.1\tn07.cluster n07 # sysclone");
  });

  it("refuses static mode without an address", async () => {
    const { result } = await runChrooted("update_network", { ...staticEnv, IP: "" }, () => Promise.resolve());
    expect(result.exitCode).toBe(1);
    expect(result.stderrTail).toContain("nicmode=static needs the node's ip and netmask");
  });
});

describe("efibootloader", () => {
  const old = "11111111-2222-3333-4444-555555555555";
  const fresh = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  const uefiEnv = { FIRMWARE: "uefi", BOOT_DISK: "/dev/vda", ESP: "/boot/efi", ROOT_DEVICE: "/dev/vda2", ROOT_UUID: fresh, UUID_MAP: `${old}=${fresh} 1234-ABCD=5678-EF01`, TARGET: "disks" };

  it("points the boot configuration at the new UUIDs and uses the image's ESP loader through the fallback path", async () => {
    const { result, read, root } = await runChrooted("efibootloader", uefiEnv, async (root) => {
      await mkdir(path.join(root, "boot", "grub"), { recursive: true });
      await mkdir(path.join(root, "boot", "efi", "EFI", "debian"), { recursive: true });
      await mkdir(path.join(root, "etc", "default"), { recursive: true });
      await writeFile(path.join(root, "boot", "grub", "grub.cfg"), `search --fs-uuid --set=root ${old}\nlinux /vmlinuz root=UUID=${old} ro\n`);
      await writeFile(path.join(root, "etc", "default", "grub"), `GRUB_CMDLINE_LINUX="resume=UUID=${old}"\n`);
      await writeFile(path.join(root, "boot", "efi", "EFI", "debian", "grubx64.efi"), "a grub image\n");
    });
    expect(result.exitCode, result.stderrTail + result.stdoutTail).toBe(0);
    expect(await read("boot/grub/grub.cfg")).toBe(`search --fs-uuid --set=root ${fresh}\nlinux /vmlinuz root=UUID=${fresh} ro\n`);
    expect(await read("etc/default/grub")).toContain(`resume=UUID=${fresh}`);
    expect(await read("boot/efi/EFI/BOOT/BOOTX64.EFI")).toBe("a grub image\n");
    expect(result.stdoutTail).toContain("UEFI: using /EFI/debian/grubx64.efi");
    await access(path.join(root, "boot", "efi", "EFI", "BOOT", "BOOTX64.EFI"));
  });

  it("fails, naming what is missing, when the image has no boot loader at all", async () => {
    const { result } = await runChrooted("efibootloader", { ...uefiEnv, FIRMWARE: "bios" }, () => Promise.resolve());
    expect(result.exitCode).toBe(1);
    expect(result.stdoutTail).toContain("the image has no BIOS boot loader");
  });

  it("does nothing for a directory target", async () => {
    const { result } = await runChrooted("efibootloader", { ...uefiEnv, TARGET: "directory" }, () => Promise.resolve());
    expect(result.exitCode).toBe(0);
    expect(result.stdoutTail).toContain("directory target");
  });
});
