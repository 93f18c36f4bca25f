import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { parseLayoutXml } from "../../../src/layout/xml.js";

/**
 * Issue 13, finding 15: layout values reach mkfs, mdadm, LVM, fstab, mkdir under the clone's root and
 * the efibootloader postscript's sed. Each is checked when the layout is read; a bad one is refused
 * with BAD_LAYOUT naming the element and attribute, before any plan is made.
 */
type Attributes = Record<string, string>;
interface Changes {
  readonly disk?: Attributes;
  readonly part?: Attributes;
  readonly raid?: Attributes;
  readonly lvm?: Attributes;
  readonly fsinfo?: Attributes;
  readonly boel?: Attributes;
}

/** A valid layout (MBR, RAID1, LVM, one fsinfo) with some attributes replaced; values are written as XML source. */
function layoutWith(changes: Changes): string {
  const attrs = (base: Attributes, change: Attributes | undefined): string =>
    Object.entries({ ...base, ...change }).map(([k, v]) => `${k}="${v}"`).join(" ");
  return [
    "<config>",
    `<disk ${attrs({ dev: "/dev/sda", label_type: "msdos", unit_of_measurement: "MB" }, changes.disk)}>`,
    `<part ${attrs({ num: "1", size: "500", p_type: "primary" }, changes.part)}/><part num="2" size="500" p_type="primary" flags="raid" raid_dev="/dev/md0"/>`,
    `<part num="3" size="*" p_type="primary" flags="lvm" lvm_group="vg0"/></disk>`,
    `<disk dev="/dev/sdb" label_type="msdos" unit_of_measurement="MB"><part num="1" size="500" p_type="primary" flags="raid" raid_dev="/dev/md0"/></disk>`,
    `<raid><raid_disk ${attrs({ name: "/dev/md0", raid_level: "raid1" }, changes.raid)}/></raid>`,
    `<lvm><lvm_group name="vg0" max_log_vols="0" max_phys_vols="0" phys_extent_size="4096K"><lv ${attrs({ name: "root", size: "1G" }, changes.lvm)}/></lvm_group></lvm>`,
    `<fsinfo ${attrs({ line: "10", real_dev: "/dev/vg0/root", mp: "/", fs: "ext4", options: "defaults", dump: "0", pass: "1" }, changes.fsinfo)}/>`,
    `<fsinfo line="20" real_dev="/dev/sda1" mp="/boot" fs="ext4"/>`,
    `<boel ${attrs({ devstyle: "udev" }, changes.boel)}/>`,
    "</config>",
  ].join("\n");
}

function refusal(text: string): SyscloneError {
  try {
    parseLayoutXml(text);
  } catch (error) {
    if (error instanceof SyscloneError) return error;
    throw error;
  }
  throw new Error("the layout was accepted");
}

describe("layout values are checked when the layout is read", () => {
  it("accepts the base layout the refusals below each break once", () => {
    expect(parseLayoutXml(layoutWith({})).filesystems).toHaveLength(2);
  });

  it.each([
    // A uuid flows into efibootloader's sed -i (finding 15).
    ["uuid closing the sed expression", { fsinfo: { uuid: "0/;s/.*/pwned/;#" } }, 'uuid="0/;s/.*/pwned/;#"'],
    ["uuid with a newline", { fsinfo: { uuid: "11111111-2222-3333-4444-555555555555&#10;x" } }, "uuid="],
    ["mount point climbing out of the clone", { fsinfo: { mp: "/../../etc" } }, 'mp="/../../etc"'],
    ["mount point with .. inside", { fsinfo: { mp: "/srv/../etc" } }, 'mp="/srv/../etc"'],
    ["relative mount point", { fsinfo: { mp: "srv/data" } }, 'mp="srv/data"'],
    ["mount point with a space", { fsinfo: { mp: "/srv/my data" } }, 'mp="/srv/my data"'],
    ["mount point with a command", { fsinfo: { mp: "/srv/$(reboot)" } }, "mp="],
    ["label with a quote", { fsinfo: { label: "root&quot;;reboot" } }, "label="],
    ["label with a newline", { fsinfo: { label: "root&#10;x" } }, "label="],
    ["mount options with a semicolon", { fsinfo: { options: "defaults;reboot" } }, 'options="defaults;reboot"'],
    ["mount options with a space", { fsinfo: { options: "defaults noatime" } }, "options="],
    ["mkfs options with a command", { fsinfo: { mkfs_opts: "-m 0 $(reboot)" } }, "mkfs_opts="],
    ["filesystem type with a slash", { fsinfo: { fs: "../ext4" } }, "fs="],
    ["mount_dev with a space", { fsinfo: { mount_dev: "LABEL=my root" } }, "mount_dev="],
    ["comment that is not one", { fsinfo: { comment: "rm -rf /" } }, "comment="],
    ["comment over two lines", { fsinfo: { comment: "# one&#10;two" } }, "comment="],
    ["partition name with a quote", { part: { p_name: "a&quot;b" } }, "p_name="],
    ["flag with a semicolon", { part: { flags: "boot;reboot" } }, "flags="],
    ["partition id that is no type", { part: { id: "83;x" } }, "id="],
    ["lvm_group climbing out of /dev", { part: { lvm_group: "../etc" } }, "lvm_group="],
    ["raid_dev that is no md device", { part: { raid_dev: "/dev/sda" } }, "raid_dev="],
    ["raid member outside /dev", { raid: { devices: "/etc/passwd" } }, "devices has"],
    ["chunk size with a command", { raid: { chunk_size: "64K;reboot" } }, "chunk_size="],
    ["raid level that is none", { raid: { raid_level: "raid7" } }, 'unknown raid_level "raid7"'],
    ["lv_options with a command", { lvm: { lv_options: "--addtag $(reboot)" } }, "lv_options="],
    ["devstyle that is no word", { boel: { devstyle: "udev;x" } }, "devstyle"],
  ])("refuses %s", (_name, parts, fragment) => {
    const error = refusal(layoutWith(parts));
    expect(error.code).toBe("BAD_LAYOUT");
    expect(error.message).toContain(fragment);
    expect(error.message).not.toMatch(/[\n\r]/);
  });

  it.each([
    ["/dev/../etc/passwd", "dev="],
    ["sda", "dev="],
    ["/dev/sda;reboot", "dev="],
  ])("refuses disk dev=%s", (dev, fragment) => {
    const error = refusal(`<config><disk dev="${dev}" label_type="gpt"/></config>`);
    expect(error.code).toBe("BAD_LAYOUT");
    expect(error.message).toContain(fragment);
  });

  it("names the fsinfo line of a bad value", () => {
    expect(refusal(layoutWith({ fsinfo: { uuid: "$(id)" } })).message).toBe('layout: <fsinfo line="10">: uuid="$(id)" is not a UUID (8-4-4-4-12 hex digits, or XXXX-XXXX for FAT)');
  });

  it.each([
    ["/boot/efi", "umask=0077,shortname=winnt"],
    ["/srv/my\\040data", "noatime,x-systemd.automount"],
    ["swap", "sw,pri=10"],
    ["/home", "defaults,subvol=@home,compress=zstd:3"],
  ])("accepts mount point %s with options %s", (mp, options) => {
    expect(parseLayoutXml(layoutWith({ fsinfo: { mp, options } })).filesystems[0]).toMatchObject({ mp, options });
  });
});

describe("the layout parser on arbitrary input", () => {
  const isLayoutRefusal = (error: unknown): boolean => error instanceof SyscloneError && error.code === "BAD_LAYOUT";
  const parsesOrRefuses = (text: string): void => {
    try {
      parseLayoutXml(text);
    } catch (error) {
      if (!isLayoutRefusal(error)) throw error;
    }
  };

  it("arbitrary strings either parse or are refused with BAD_LAYOUT", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), parsesOrRefuses), { numRuns: 500 });
  });

  const names = fc.constantFrom("config", "disk", "part", "raid", "raid_disk", "lvm", "lvm_group", "lv", "fsinfo", "boel", "bootloader", "__proto__", "constructor", "x");
  const attributeNames = fc.constantFrom("dev", "label_type", "unit_of_measurement", "num", "size", "p_type", "flags", "id", "p_name", "raid_dev", "lvm_group",
    "name", "raid_level", "raid_devices", "spare_devices", "devices", "chunk_size", "phys_extent_size", "lv_options", "line", "comment", "real_dev", "mount_dev",
    "mp", "fs", "options", "dump", "pass", "format", "mkfs_opts", "label", "uuid", "size_bytes", "start_bytes", "devstyle", "__proto__");
  const values = fc.oneof(
    fc.constantFrom("", "*", "1", "0", "-1", "500", "1e9", "/dev/sda", "/dev/sda1", "/dev/md0", "raid1", "mirror", "msdos", "gpt", "none", "MB", "%", "primary", "logical", "extended", "/", "swap", "ext4", "no", "vg0", "# c", " ", "&amp;", "99999999999999999999"),
    fc.string({ maxLength: 12 }).map((s) => s.replace(/[<&"]/g, "")),
  );
  const attribute = fc.tuple(attributeNames, values).map(([name, value]) => `${name}="${value}"`);
  const element: fc.Memo<string> = fc.memo((depth) =>
    fc.tuple(names, fc.array(attribute, { maxLength: 5 }), depth > 1 ? fc.array(element(depth - 1), { maxLength: 4 }) : fc.constant([]), fc.constantFrom("", "text", " "))
      .map(([name, attrs, kids, text]) => `<${name} ${[...new Set(attrs)].join(" ")}>${text}${kids.join("")}</${name}>`),
  );

  it("XML-ish documents of layout elements either parse or are refused with BAD_LAYOUT", () => {
    fc.assert(fc.property(element(4).map((inner) => `<config>${inner}</config>`), parsesOrRefuses), { numRuns: 1500 });
  });

  it("documents made of whole upstream-style elements either parse or are refused with BAD_LAYOUT", () => {
    const pieces = fc.constantFrom(
      '<disk dev="/dev/sda" label_type="msdos" unit_of_measurement="MB"><part num="1" size="*" p_type="primary" flags="raid" raid_dev="/dev/md0"/></disk>',
      '<disk dev="/dev/sdb" label_type="gpt" unit_of_measurement="%"><part num="1" size="50" p_type="primary"/><part num="2" size="*" p_type="primary" flags="lvm" lvm_group="vg"/></disk>',
      '<raid name="/dev/md0" raid_level="mirror" devices="/dev/sdb1" lvm_group="vg"/>',
      '<raid><raid_disk name="/dev/md1" raid_level="5" raid_devices="3"/></raid>',
      '<lvm><lvm_group name="vg" max_log_vols="0" max_phys_vols="0" phys_extent_size="4096K"><lv name="root" size="*"/></lvm_group></lvm>',
      '<fsinfo line="10" real_dev="/dev/vg/root" mp="/" fs="xfs"/>',
      '<fsinfo line="20" comment="# a comment"/>',
      '<fsinfo line="30" real_dev="/dev/md0" mp="/srv" fs="fat32"/>',
      '<fsinfo line="40" real_dev="/dev/fd0" mp="/media/floppy" fs="subfs"/>',
      '<boel devstyle="static"/>',
    );
    fc.assert(fc.property(fc.array(pieces, { maxLength: 8 }).map((p) => `<config>${p.join("")}</config>`), parsesOrRefuses), { numRuns: 500 });
  });
});
