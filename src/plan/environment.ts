/** The part of a postscript's environment that describes the node itself; the same at clone time and on a live node. */
export interface NodeIdentity {
  readonly name: string;
  readonly hostname?: string;
  readonly ip?: string;
  readonly netmask?: string;
  readonly gateway?: string;
  readonly nameservers?: string;
  /** dhcp or static. */
  readonly nicmode?: string;
}

/** The mount point of the EFI system partition among a layout's filesystems, if it has one. */
export function espMountPoint(filesystems: readonly { readonly fs: string; readonly mp: string }[]): string | undefined {
  return filesystems.find((fs) => fs.fs === "vfat" && /^\/(boot(\/efi)?|efi)$/.test(fs.mp))?.mp;
}

export function nodeEnvironment(node: NodeIdentity, image: { readonly name: string; readonly version: number }, serverHost: string): Record<string, string> {
  return {
    NODE: node.name,
    OSIMAGE: image.name,
    OSIMAGE_VERSION: String(image.version),
    SERVER: serverHost,
    NODE_HOSTNAME: node.hostname || node.name,
    IP: node.ip ?? "",
    NETMASK: node.netmask ?? "",
    GATEWAY: node.gateway ?? "",
    NAMESERVERS: node.nameservers ?? "",
    NICMODE: node.nicmode || (node.ip ? "static" : "dhcp"),
  };
}
