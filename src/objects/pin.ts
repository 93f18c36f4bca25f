/**
 * A node's pinned image version: nodeset osimage=NAME@N writes NAME@N to the node's osimagepin, and
 * the planner installs version N of NAME instead of its current one. A pin names its image, so a
 * node moved to another image (chdef osimage=…) is not held to a version of the wrong one. Pure.
 */
export function formatPin(osimage: string, version: number): string {
  return `${osimage}@${version}`;
}

/** The pinned version when the pin is for `osimage`; undefined otherwise (none, or for another image). */
export function pinnedVersionOf(attributes: Readonly<Record<string, string>>, osimage: string): number | undefined {
  const match = /^(.+)@(\d{1,9})$/.exec(attributes["osimagepin"] ?? "");
  return match && match[1] === osimage ? Number(match[2]) : undefined;
}
