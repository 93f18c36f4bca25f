import { SyscloneError } from "../errors/errors.js";
import { groupsByPriority } from "../install/resolve.js";
import type { Attributes } from "../objects/schema.js";
import { SECRET_MASK } from "../objects/secret-mask.js";
import type { Store } from "../store/store.js";
import type { BmcTarget } from "./ipmitool.js";

export const DEFAULT_CIPHER = 3;

/** mgt, bmcusername, bmcpassword and bmccipher: the node's own value, else its strongest group's (as osimage). */
type Inherited = "mgt" | "bmcusername" | "bmcpassword" | "bmccipher";

/** Where each inherited attribute comes from: the node itself or one of its groups. Pure. */
export function bmcSettingSources(nodeName: string, node: Attributes, groups: readonly { name: string; attributes: Attributes | undefined }[]): Record<Inherited, { value: string; from: { type: "node" | "group"; name: string } } | undefined> {
  const strongestFirst = [...groups].reverse();
  const pick = (attribute: string): { value: string; from: { type: "node" | "group"; name: string } } | undefined => {
    if (node[attribute]) return { value: node[attribute], from: { type: "node", name: nodeName } };
    const group = strongestFirst.find((g) => g.attributes?.[attribute]);
    return group?.attributes?.[attribute] ? { value: group.attributes[attribute], from: { type: "group", name: group.name } } : undefined;
  };
  return { mgt: pick("mgt"), bmcusername: pick("bmcusername"), bmcpassword: pick("bmcpassword"), bmccipher: pick("bmccipher") };
}

/** A node's BMC, with its password opened; NO_BMC when the node is not managed over IPMI or has no bmc address. */
export function bmcTargetOf(store: Store, name: string): BmcTarget {
  const node = store.requireObject("node", name);
  const sources = bmcSettingSources(name, node, groupsByPriority(store, node));
  const mgt = sources.mgt?.value ?? "";
  if (mgt !== "ipmi") {
    throw new SyscloneError("NO_BMC", `node ${name} is not managed through a BMC (mgt is ${mgt === "" ? "not set" : JSON.stringify(mgt)})`, {
      hint: `chdef ${name} mgt=ipmi bmc=ADDRESS bmcusername=USER bmcpassword=-  (the password is read from stdin)`,
    });
  }
  const host = node["bmc"] ?? "";
  if (host === "") throw new SyscloneError("NO_BMC", `node ${name} has mgt=ipmi but no bmc address`, { hint: `chdef ${name} bmc=ADDRESS` });
  const password = sources.bmcpassword?.value === SECRET_MASK ? store.revealSecret(sources.bmcpassword.from.type, sources.bmcpassword.from.name, "bmcpassword") : "";
  return {
    node: name,
    host,
    port: Number(node["bmcport"] || 623),
    username: sources.bmcusername?.value ?? "",
    password,
    cipher: Number(sources.bmccipher?.value ?? DEFAULT_CIPHER),
  };
}
