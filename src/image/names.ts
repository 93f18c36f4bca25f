import { SyscloneError } from "../errors/errors.js";

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** An osimage name becomes a directory under images/: no separators, no dot-dot, no spaces. */
export function checkImageName(name: string | undefined): string {
  if (name === undefined || name === "") {
    throw new SyscloneError("BAD_NAME", "the osimage name is empty", { hint: "name the image with -o NAME, e.g. -o rocky9" });
  }
  if (!IMAGE_NAME.test(name) || name.includes("..")) {
    throw new SyscloneError("BAD_NAME", `"${name}" is not a valid osimage name`, {
      hint: "use letters, digits, '.', '_' and '-', starting with a letter or digit (no '/', '..' or spaces)",
    });
  }
  return name;
}
