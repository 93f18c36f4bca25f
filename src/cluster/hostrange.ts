import { isIPv4 } from "node:net";
import { SyscloneError } from "../errors/errors.js";
import { emptyContext, expandNoderange, MAX_EXPANSION } from "../noderange/noderange.js";

/**
 * SystemImager's host lists (SystemImager::HostRange::expand_range_list, 4.x): names split on commas,
 * spaces and newlines; "node001-node016" and "10.0.0.1-10.0.0.9" are ranges, numbers padded to the
 * first one's width; anything else, or "\-", is a literal name. sysclone also reads its own bracket
 * ranges (node[01-16]) there. Sorted and unique, as SystemImager returns them.
 */
export function expandHostList(text: string, where: string): string[] {
  const names = new Set<string>();
  for (const element of text.split(/[,\s]+/).filter((e) => e !== "")) {
    for (const name of expandElement(element, where)) {
      names.add(name);
      if (names.size > MAX_EXPANSION) throw tooMany(where);
    }
  }
  return [...names].sort();
}

function tooMany(where: string): SyscloneError {
  return new SyscloneError("BAD_CLUSTER_XML", `cluster.xml: ${where}: more than ${MAX_EXPANSION} nodes`, { hint: "split the range; nothing was imported" });
}

function ipNumber(ip: string): number {
  return ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function ipText(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

const unescape = (text: string): string => text.replace(/\\-/g, "-");

function expandElement(element: string, where: string): string[] {
  if (element.includes("[")) {
    try {
      return expandNoderange(element, emptyContext);
    } catch (error) {
      throw new SyscloneError("BAD_CLUSTER_XML", `cluster.xml: ${where}: ${error instanceof Error ? error.message : String(error)}`, { hint: "fix the node list; nothing was imported" });
    }
  }
  const dash = /(?<!\\)-/.exec(element);
  if (!dash) return [unescape(element)];
  const front = element.slice(0, dash.index);
  const end = element.slice(dash.index + 1);
  if (isIPv4(front) && isIPv4(end)) {
    const [first, last] = [ipNumber(front), ipNumber(end)];
    if (last - first + 1 > MAX_EXPANSION) throw tooMany(where);
    const out: string[] = [];
    for (let n = first; n <= last; n++) out.push(ipText(n));
    return out;
  }
  const start = /^(.*?)(\d+)(\..+)?$/.exec(front);
  const stop = /^(.*?)(\d+)(\..+)?$/.exec(end);
  const [, root = "", startDigits = "", domain = ""] = start ?? [];
  const [, endRoot = "", endDigits = "", endDomain = ""] = stop ?? [];
  if (!start || !stop || Number(startDigits) > Number(endDigits) || root !== endRoot || domain !== endDomain) return [unescape(element)];
  const [first, last] = [Number(startDigits), Number(endDigits)];
  if (!Number.isSafeInteger(last) || last - first + 1 > MAX_EXPANSION) throw tooMany(where);
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(`${unescape(root)}${String(n).padStart(startDigits.length, "0")}${domain}`);
  return out;
}

/** A node name written so SystemImager reads it back as that one name: a "-" that would start a range is escaped. */
export function hostListEntry(name: string): string {
  let alone: string[] = [];
  try {
    alone = expandElement(name, "");
  } catch {
    // A range too large to expand is still a range: escape it.
  }
  return alone.length === 1 && alone[0] === name ? name : name.replace(/-/g, "\\-");
}
