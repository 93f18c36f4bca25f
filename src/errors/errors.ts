/**
 * One error registry: every error a user or client can see has a stable code,
 * an exit status, an HTTP status and a hint saying what to do next.
 */
export const errorCatalog = {
  USAGE: { exit: 2, http: 400 },
  BAD_NODERANGE: { exit: 2, http: 400 },
  BAD_NAME: { exit: 2, http: 400 },
  BAD_ATTRIBUTE: { exit: 2, http: 400 },
  BAD_STANZA: { exit: 2, http: 400 },
  BAD_LAYOUT: { exit: 3, http: 422 },
  BAD_CLUSTER_XML: { exit: 3, http: 422 },
  BAD_FACTS: { exit: 3, http: 422 },
  BAD_SYNCLIST: { exit: 3, http: 422 },
  BAD_CONFIG: { exit: 3, http: 422 },
  BAD_HOSTKEY: { exit: 2, http: 400 },
  UNKNOWN_OBJECT: { exit: 4, http: 404 },
  ALREADY_EXISTS: { exit: 4, http: 409 },
  UNSUPPORTED_PROVMETHOD: { exit: 2, http: 400 },
  NO_ADDRESS: { exit: 4, http: 422 },
  SSH_UNREACHABLE: { exit: 10, http: 502 },
  SSH_AUTH_REFUSED: { exit: 11, http: 502 },
  SSH_HOSTKEY_CHANGED: { exit: 12, http: 502 },
  SSH_COMMAND_FAILED: { exit: 13, http: 502 },
  NO_RSYNC_ON_CLIENT: { exit: 14, http: 502 },
  NO_SSH_KEY: { exit: 15, http: 500 },
  RSYNC_FAILED: { exit: 20, http: 500 },
  CAPTURE_INTERRUPTED: { exit: 21, http: 500 },
  IMAGE_LOCKED: { exit: 22, http: 409 },
  IMAGE_IN_USE: { exit: 27, http: 409 },
  MANIFEST_MISMATCH: { exit: 23, http: 500 },
  POSTSCRIPT_FAILED: { exit: 24, http: 500 },
  NODE_TIMEOUT: { exit: 25, http: 504 },
  UPDATE_FAILED: { exit: 26, http: 500 },
  DISK_TOO_SMALL: { exit: 40, http: 422 },
  NOT_ENOUGH_DISKS: { exit: 41, http: 422 },
  NO_IMAGE_VERSION: { exit: 42, http: 409 },
  NOT_INSTALLING: { exit: 43, http: 409 },
  TOKEN_REFUSED: { exit: 44, http: 403 },
  BAD_INVENTORY: { exit: 45, http: 400 },
  SERVER_UNREACHABLE: { exit: 46, http: 502 },
  NO_KERNEL: { exit: 47, http: 409 },
  INITRD_BUILD_FAILED: { exit: 48, http: 500 },
  DNSMASQ_CONFIG_REJECTED: { exit: 49, http: 500 },
  ALREADY_SERVING: { exit: 50, http: 409 },
  IMAGE_PATH_ESCAPES: { exit: 51, http: 422 },
  BAD_SIGNING_KEY: { exit: 60, http: 500 },
  UNAUTHENTICATED: { exit: 52, http: 401 },
  FORBIDDEN: { exit: 53, http: 403 },
  NEEDS_CONFIRMATION: { exit: 54, http: 409 },
  PROTECTED: { exit: 55, http: 409 },
  EMPTY_NODERANGE: { exit: 2, http: 400 },
  BAD_ROLE: { exit: 2, http: 400 },
  BAD_EXPIRY: { exit: 2, http: 400 },
  BAD_PASSWORD: { exit: 2, http: 400 },
  RATE_LIMITED: { exit: 56, http: 429 },
  CSRF: { exit: 57, http: 403 },
  NO_INVENTORY: { exit: 58, http: 409 },
  BAD_TOKEN_FILE: { exit: 59, http: 400 },
  BAD_REQUEST: { exit: 2, http: 400 },
  TOOL_MISSING: { exit: 30, http: 500 },
  NOT_AVAILABLE: { exit: 31, http: 501 },
  BAD_TEMPLATE: { exit: 3, http: 422 },
  BAD_DISK_IMAGE: { exit: 3, http: 422 },
  IMPORT_FAILED: { exit: 63, http: 500 },
  BAD_HWREQ: { exit: 2, http: 400 },
  HWREQ_UNMET: { exit: 64, http: 422 },
  PRESCRIPT_FAILED: { exit: 65, http: 500 },
  NO_PINNED_HOSTKEY: { exit: 16, http: 409 },
  NO_REBOOT_METHOD: { exit: 66, http: 422 },
  MEDIA_BUILD_FAILED: { exit: 67, http: 500 },
  BAD_ADDRESS: { exit: 2, http: 400 },
  // BMC power and consoles (issue 16)
  NO_BMC: { exit: 33, http: 422 },
  BMC_UNREACHABLE: { exit: 34, http: 502 },
  BMC_AUTH_REFUSED: { exit: 35, http: 502 },
  BMC_COMMAND_FAILED: { exit: 36, http: 502 },
  SECRET_UNREADABLE: { exit: 37, http: 500 },
  // Upgrades, backup and restore (issue 19)
  DATABASE_TOO_NEW: { exit: 80, http: 500 },
  HOME_NOT_EMPTY: { exit: 81, http: 409 },
  BAD_BACKUP: { exit: 82, http: 422 },
  BACKUP_TOO_NEW: { exit: 83, http: 422 },
  INTERNAL: { exit: 70, http: 500 },
} as const satisfies Record<string, { exit: number; http: number }>;

export type ErrorCode = keyof typeof errorCatalog;

export class SyscloneError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SyscloneError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitStatus(): number {
    return errorCatalog[this.code].exit;
  }

  get httpStatus(): number {
    return errorCatalog[this.code].http;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isSyscloneError(error: unknown, code?: ErrorCode): error is SyscloneError {
  return error instanceof SyscloneError && (code === undefined || error.code === code);
}

/** One line for a terminal: what is wrong, then what to do. */
export function formatErrorLine(error: SyscloneError): string {
  return `error [${error.code}]: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`;
}
