import { packageRelations, runtimeNeeds } from "./depends.js";

export interface ControlFields {
  readonly version: string;
  readonly description: string;
  readonly installedSizeKiB: number;
  /** Debian packages of the shared libraries the bundled node and the native addons load. */
  readonly libraryPackages: readonly string[];
}

/** DEBIAN/control of sysclone's package. */
export function renderControl(fields: ControlFields): string {
  const { depends, recommends } = packageRelations(runtimeNeeds, fields.libraryPackages);
  return [
    "Package: sysclone",
    `Version: ${fields.version}`,
    "Architecture: amd64",
    "Maintainer: sysclone maintainers <sysclone@example.org>",
    `Installed-Size: ${fields.installedSizeKiB}`,
    `Depends: ${depends.join(", ")}`,
    ...(recommends.length > 0 ? [`Recommends: ${recommends.join(", ")}`] : []),
    "Section: admin",
    "Priority: optional",
    `Description: ${fields.description.charAt(0).toLowerCase()}${fields.description.slice(1)}`,
    " sysclone captures a golden client's filesystem and disk layout into",
    " numbered image versions and clones them onto bare-metal nodes over PXE",
    " (dnsmasq, iPXE, rsync, udpcast), speaking xCAT's and SystemImager's",
    " formats. This package runs the management server as sysclone.service,",
    " configured in /etc/sysclone/sysclone.conf, with its state in",
    " /var/lib/sysclone. It bundles the Node.js runtime it was built with.",
    "",
  ].join("\n");
}
