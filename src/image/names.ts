import { SyscloneError } from "../errors/errors.js";
import { isHostName } from "../format/host-name.js";
import { isValidNodeName } from "../noderange/noderange.js";

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** mkdef's rule for group names (src/cli/objects.ts): a group name becomes overrides/group/NAME and an rsync module. */
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A name for an error message: quoted, control characters escaped, long names cut. */
function shown(name: string): string {
  return JSON.stringify(name.length > 64 ? `${name.slice(0, 61)}...` : name);
}

/** An osimage name becomes a directory under images/: no separators, no dot-dot, no spaces. */
export function checkImageName(name: string | undefined): string {
  if (name === undefined || name === "") {
    throw new SyscloneError("BAD_NAME", "the osimage name is empty", { hint: "name the image with -o NAME, e.g. -o rocky9" });
  }
  if (!IMAGE_NAME.test(name) || name.includes("..")) {
    throw new SyscloneError("BAD_NAME", `${shown(name)} is not a valid osimage name`, {
      hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit (no '/', '..' or spaces)",
    });
  }
  return name;
}

/** Names from files sysclone imports (cluster.xml), checked as mkdef checks them; `where` says where the name was found. */
export function checkGroupName(name: string, where = ""): string {
  if (!GROUP_NAME.test(name)) {
    throw new SyscloneError("BAD_NAME", `${where}${shown(name)} is not a valid group name`, {
      hint: "use letters, digits, '.', '_' and '-', starting with a letter, digit or '_' (no '/' or spaces); nothing was imported",
    });
  }
  return name;
}

export function checkNodeName(name: string, where = ""): string {
  if (!isValidNodeName(name)) {
    throw new SyscloneError("BAD_NAME", `${where}${shown(name)} is not a valid node name`, {
      hint: "use letters, digits, '.', '_' and '-', starting with a letter, digit or '_'; nothing was imported",
    });
  }
  return name;
}

/** SystemImager override directories (cluster.xml <override>) follow the osimage rule: they name directories too. */
export function checkOverrideName(name: string, where = ""): string {
  if (!IMAGE_NAME.test(name) || name.includes("..")) {
    throw new SyscloneError("BAD_NAME", `${where}${shown(name)} is not a valid override name`, {
      hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit (no '/', '..' or spaces); nothing was imported",
    });
  }
  return name;
}

/** The image server of cluster.xml's <master>: a host name or an IPv4 address. */
export function checkHostName(name: string, where = ""): string {
  if (!isHostName(name)) {
    throw new SyscloneError("BAD_NAME", `${where}${shown(name)} is not a valid host name`, { hint: "use a DNS name or an IPv4 address; nothing was imported" });
  }
  return name;
}

/** checkImageName with where the name was found; cluster.xml's <image> names an osimage. */
export function checkImageNameAt(name: string, where: string): string {
  try {
    return checkImageName(name);
  } catch (error) {
    if (error instanceof SyscloneError) throw new SyscloneError("BAD_NAME", `${where}${error.message}`, { ...(error.hint === undefined ? {} : { hint: error.hint }) });
    throw error;
  }
}
