import type { Attributes } from "../objects/schema.js";
import { normaliseMac, usableSerial, usableUuid, type BootReport, type KnownMachine } from "./identity.js";

/** What the machine index needs from the store. */
export interface MachineSource {
  identityStamp(): string;
  listObjects(type: "node"): { name: string; attributes: Attributes }[];
}

interface Index {
  stamp: string;
  readonly byMac: Map<string, KnownMachine[]>;
  readonly byUuid: Map<string, KnownMachine[]>;
  readonly bySerial: Map<string, KnownMachine[]>;
  discovered: number;
}

function add(map: Map<string, KnownMachine[]>, key: string, machine: KnownMachine): void {
  if (key === "") return;
  const list = map.get(key);
  if (list) list.push(machine);
  else map.set(key, [machine]);
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
 * Every node's identity by MAC, UUID and serial, rebuilt only when an identity changed (a PXE storm
 * reads, it rarely writes). A discovered record the boot service writes itself is added in place, so
 * a storm of unknown machines does not rebuild the index once per request.
 */
export class MachineIndex {
  private index: Index | undefined;

  constructor(private readonly source: MachineSource) {}

  private current(): Index {
    const stamp = this.source.identityStamp();
    if (this.index?.stamp === stamp) return this.index;
    const index: Index = { stamp, byMac: new Map(), byUuid: new Map(), bySerial: new Map(), discovered: 0 };
    for (const { name, attributes } of this.source.listObjects("node")) this.insert(index, machineOf(name, attributes));
    this.index = index;
    return index;
  }

  private insert(index: Index, machine: KnownMachine): void {
    for (const mac of machine.macs) add(index.byMac, mac, machine);
    add(index.byUuid, machine.uuid.toLowerCase(), machine);
    add(index.bySerial, machine.serial, machine);
    if (machine.discovered) index.discovered++;
  }

  /** The known machines that share a MAC, the UUID or the serial with the report: all identify() needs to see. */
  candidates(report: BootReport): KnownMachine[] {
    const index = this.current();
    const found = new Set<KnownMachine>();
    for (const mac of report.macs.map(normaliseMac)) for (const m of index.byMac.get(mac ?? "") ?? []) found.add(m);
    for (const m of index.byUuid.get(usableUuid(report.uuid) ?? "") ?? []) found.add(m);
    for (const m of index.bySerial.get(usableSerial(report.serial) ?? "") ?? []) found.add(m);
    return [...found];
  }

  /** How many discovered records the store holds. */
  discoveredCount(): number {
    return this.current().discovered;
  }

  /**
   * Records a discovered node just written by `write` without a rebuild: valid when the index was
   * current before the write and the write is the only identity change since.
   */
  addDiscovered(name: string, attributes: Attributes, write: () => void): void {
    const before = this.current();
    write();
    const after = this.source.identityStamp();
    // The stamp is "<data_version>:<own writes>": another connection's commit in between changes the first part.
    if (after.split(":")[0] !== before.stamp.split(":")[0]) return;
    this.insert(before, machineOf(name, attributes));
    before.stamp = after;
  }
}
