import { isSyscloneError } from "../../src/errors/errors.js";

/** The code `work` throws, "ok" when it returns, or "other" for anything but a SyscloneError. */
export function errorCodeOf(work: () => unknown): string {
  try {
    work();
    return "ok";
  } catch (error) {
    return isSyscloneError(error) ? error.code : "other";
  }
}
