import { randomBytes } from "node:crypto";
import { localRoot } from "../audit/record.js";
import { addUser, deleteUser, setPassword } from "../auth/accounts.js";
import type { Store } from "../store/store.js";

export interface DemoViewer {
  readonly name: string;
  readonly password: string;
  /** Removes the user again (and its token). */
  remove(): void;
}

/**
 * A viewer for one demo run, so the dashboard can be watched while the demo clones: user `demo`
 * with a fresh random password, removed when the demo ends. When a user `demo` already exists it
 * is someone's own and is left alone (undefined).
 */
export async function addDemoViewer(store: Store, name = "demo"): Promise<DemoViewer | undefined> {
  if (store.users.get(name)) return undefined;
  const password = randomBytes(12).toString("base64url");
  addUser(store, { name, role: "viewer", groups: [], expiresAt: "" }, localRoot);
  try {
    await setPassword(store, name, password, localRoot);
  } catch (error) {
    deleteUser(store, name, localRoot);
    throw error;
  }
  return { name, password, remove: () => (store.users.get(name) ? deleteUser(store, name, localRoot) : undefined) };
}
