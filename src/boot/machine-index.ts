import type { Attributes } from "../objects/schema.js";
import { normaliseMac, usableSerial, usableUuid, type BootReport, type KnownMachine } from "./identity.js";

/** What the machine index needs from the store. */
export interface MachineSource {
  /** Changes whenever another connection commits. */
  dataVersion(): number;
  listObjects(type: "node"): { name: string; attributes: Attributes }[];
  getObject(type: "node", name: string): Attributes | undefined;
  /** Names every node this connection writes; returns the way to stop listening. */
  watchNodes(listener: (name: string) => void): () => void;
}

interface Entry {
  readonly attributes: Attributes;
  readonly machine: KnownMachine;
}

function add(map: Map<string, KnownMachine[]>, key: string, machine: KnownMachine): void {
  if (key === "") return;
  const list = map.get(key);
  if (list) list.push(machine);
  else map.set(key, [machine]);
}

function drop(map: Map<string, KnownMachine[]>, key: string, machine: KnownMachine): void {
  const list = map.get(key);
  if (!list) return;
  const rest = list.filter((m) => m !== machine);
  if (rest.length > 0) map.set(key, rest);
  else map.delete(key);
}

function machineOf(name: string, attributes: Attributes): KnownMachine {
  return {
    name,
    macs: (attributes["mac"] ?? "").split(",").filter((m) => m !== ""),
    uuid: attributes["uuid"] ?? "",
    serial: attributes["serial"] ?? "",
    discovered: attributes["state"] === "discovered",
  };
}

/**
 * Every node as /boot sees it, and who is who by MAC, UUID and serial, in memory: a PXE storm reads
 * no row per request. A node this connection writes is re-read alone (the store names it); a commit
 * by another connection (nodeset or chdef at the shell) rebuilds the whole index on the next request.
 */
export class MachineIndex {
  private readonly nodes = new Map<string, Entry>();
  private readonly byMac = new Map<string, KnownMachine[]>();
  private readonly byUuid = new Map<string, KnownMachine[]>();
  private readonly bySerial = new Map<string, KnownMachine[]>();
  private discovered = 0;
  private version: number | undefined;
  private readonly dirty = new Set<string>();
  private readonly unwatch: () => void;

  constructor(private readonly source: MachineSource) {
    this.unwatch = source.watchNodes((name) => this.dirty.add(name));
  }

  /** Stops following the store's writes. */
  close(): void {
    this.unwatch();
  }

  /** Forgets everything: the next read rebuilds (after a rolled-back transaction whose writes were read back). */
  invalidate(): void {
    this.version = undefined;
  }

  /**
   * Runs `work` (synchronous) with one look at the database's version for all of it (PRAGMA
   * data_version opens a read transaction each time: in the closed-loop benchmark 12% of serve's CPU
   * when /boot asked it at every read). Inside the caller's write transaction no other connection can
   * commit, so every read sees that version and this connection's own writes (followed node by node);
   * outside one, a commit elsewhere during `work` is seen by the next request, as if it had come a
   * moment later.
   */
  within<T>(work: () => T): T {
    this.sync();
    this.pinned = true;
    try {
      return work();
    } finally {
      this.pinned = false;
    }
  }

  private pinned = false;

  private sync(): void {
    const version = this.pinned ? this.version : this.source.dataVersion();
    if (version !== this.version) {
      this.nodes.clear();
      this.byMac.clear();
      this.byUuid.clear();
      this.bySerial.clear();
      this.discovered = 0;
      for (const { name, attributes } of this.source.listObjects("node")) this.insert(name, attributes);
      this.version = version;
      this.dirty.clear();
      return;
    }
    if (this.dirty.size === 0) return;
    const names = [...this.dirty];
    this.dirty.clear();
    for (const name of names) {
      this.remove(name);
      const attributes = this.source.getObject("node", name);
      if (attributes) this.insert(name, attributes);
    }
  }

  private insert(name: string, attributes: Attributes): void {
    const machine = machineOf(name, attributes);
    this.nodes.set(name, { attributes, machine });
    for (const mac of machine.macs) add(this.byMac, mac, machine);
    add(this.byUuid, machine.uuid.toLowerCase(), machine);
    add(this.bySerial, machine.serial, machine);
    if (machine.discovered) this.discovered++;
  }

  private remove(name: string): void {
    const entry = this.nodes.get(name);
    if (!entry) return;
    const { machine } = entry;
    for (const mac of machine.macs) drop(this.byMac, mac, machine);
    drop(this.byUuid, machine.uuid.toLowerCase(), machine);
    drop(this.bySerial, machine.serial, machine);
    if (machine.discovered) this.discovered--;
    this.nodes.delete(name);
  }

  /** The known machines that share a MAC, the UUID or the serial with the report: all identify() needs to see. */
  candidates(report: BootReport): KnownMachine[] {
    this.sync();
    const found = new Set<KnownMachine>();
    for (const mac of report.macs.map(normaliseMac)) for (const m of this.byMac.get(mac ?? "") ?? []) found.add(m);
    for (const m of this.byUuid.get(usableUuid(report.uuid) ?? "") ?? []) found.add(m);
    for (const m of this.bySerial.get(usableSerial(report.serial) ?? "") ?? []) found.add(m);
    return [...found];
  }

  /** A node's attributes as the store holds them now; not to be changed by the caller. */
  node(name: string): Attributes | undefined {
    this.sync();
    return this.nodes.get(name)?.attributes;
  }

  /** How many discovered records the store holds. */
  discoveredCount(): number {
    this.sync();
    return this.discovered;
  }
}
