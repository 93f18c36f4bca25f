import { objectTypes, type Attributes, type ObjectType } from "../objects/schema.js";
import type { AuditEntry, AuditState, AuditVia } from "../store/audit.js";
import type { Store } from "../store/store.js";

/** Who makes a change, and from where: a user through the API, or root at the server's shell. */
export interface Actor {
  readonly name: string;
  readonly via: AuditVia;
  /** A client's address, or "local" for the CLI. */
  readonly from: string;
}

/** The local CLI: every command run at the server's shell acts as root. */
export const localRoot: Actor = { name: "root", via: "cli", from: "local" };

/** Writes one audit record: who changed what, from where, and the object before and after. */
export function recordAudit(store: Pick<Store, "audit">, entry: { actor: string; via: AuditVia; from: string; action: string; type: string; name: string; before: AuditState; after: AuditState }): number {
  const record: AuditEntry = { ...entry };
  return store.audit.add(record);
}

type Snapshot = Map<string, Attributes>;

/** Secrets read as the mask (so the audit never holds one); their sealed form joins the comparison under a key no attribute has. */
const SECRET_STAMP = "\u0000secrets";

function snapshot(store: Store, types: readonly ObjectType[]): Map<ObjectType, Snapshot> {
  return new Map(
    types.map((type) => {
      const stamps = store.secretStamps(type);
      return [type, new Map(store.listObjects(type).map(({ name, attributes }) => [name, stamps.has(name) ? { ...attributes, [SECRET_STAMP]: stamps.get(name) ?? "" } : attributes]))];
    }),
  );
}

function recorded(attributes: Attributes | undefined): Attributes | null {
  if (!attributes) return null;
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => key !== SECRET_STAMP));
}

function same(a: Attributes, b: Attributes): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}

/**
 * Runs `work` in one transaction and records an audit entry for every node, group and osimage it
 * created, changed or removed (group memberships show as the nodes' groups changing). A refusal
 * inside `work` records nothing, as it changes nothing.
 */
export function auditedChange<T>(store: Store, actor: Actor, action: string, work: () => T, types: readonly ObjectType[] = objectTypes): T {
  return store.transaction(() => {
    const before = snapshot(store, types);
    const result = work();
    const after = snapshot(store, types);
    for (const type of types) {
      const old = before.get(type) ?? new Map<string, Attributes>();
      const now = after.get(type) ?? new Map<string, Attributes>();
      const names = [...new Set([...old.keys(), ...now.keys()])].sort();
      for (const name of names) {
        const was = old.get(name);
        const is = now.get(name);
        if (was && is && same(was, is)) continue;
        recordAudit(store, { actor: actor.name, via: actor.via, from: actor.from, action, type, name, before: recorded(was), after: recorded(is) });
      }
    }
    return result;
  });
}
