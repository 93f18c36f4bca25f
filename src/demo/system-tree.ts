import { mkdir, symlink, writeFile, copyFile, chmod } from "node:fs/promises";
import path from "node:path";
import { must } from "../exec/must.js";

/**
 * The smallest tree a postscript can run in when chrooted: busybox (static) as /bin/sh and its
 * applets, an os-release of the given family and the golden client's identity files.
 */
export async function populateSystemTree(root: string, options: { osRelease?: string; hostname?: string } = {}): Promise<void> {
  const bin = path.join(root, "bin");
  await mkdir(bin, { recursive: true });
  await copyFile("/bin/busybox", path.join(bin, "busybox"));
  await chmod(path.join(bin, "busybox"), 0o755);
  const applets = (await must("/bin/busybox", ["--list"])).stdoutTail.split("\n").filter((a) => a !== "" && a !== "busybox");
  for (const applet of applets) await symlink("busybox", path.join(bin, applet)).catch(() => undefined);
  await mkdir(path.join(root, "etc", "network"), { recursive: true });
  await mkdir(path.join(root, "tmp"), { recursive: true, mode: 0o1777 });
  await writeFile(path.join(root, "etc", "os-release"), options.osRelease ?? 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  await writeFile(path.join(root, "etc", "hostname"), `${options.hostname ?? "golden01"}\n`);
  await writeFile(path.join(root, "etc", "hosts"), `127.0.0.1\tlocalhost\n127.0.1.1\t${options.hostname ?? "golden01"}\n`);
  await writeFile(path.join(root, "etc", "machine-id"), "0123456789abcdef0123456789abcdef\n");
  await writeFile(path.join(root, "etc", "network", "interfaces"), "auto lo\niface lo inet loopback\n\nallow-hotplug enp1s0\niface enp1s0 inet dhcp\n");
}
