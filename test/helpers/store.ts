import path from "node:path";
import { Store } from "../../src/store/store.js";

/** Opens the store of a SYSCLONE_HOME a test's commands and server use, runs `use` on it, and closes it. */
export function withHomeStore<T>(home: string, use: (store: Store) => T): T {
  const store = Store.open(path.join(home, "var", "sysclone.db"));
  try {
    return use(store);
  } finally {
    store.close();
  }
}
