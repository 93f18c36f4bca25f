/** What lsdef, the API, the dashboard and the audit log show for a secret attribute that is set. */
export const SECRET_MASK = "********";

/** How a sealed secret begins in the database (src/store/secret-box.ts); no value a user gives may. */
export const SEALED_PREFIX = "sealed:v1:";
