import { describePlan } from "./describe.js";
import type { ClonePlan } from "./model.js";

/** What a person confirming a reinstall needs to see of a plan: every disk to be wiped and what goes on it. */
export interface PlanSummary {
  readonly node: string;
  readonly osimage: string;
  readonly version: number;
  readonly target: "disks" | "directory";
  readonly disks: {
    readonly dev: string;
    readonly sizeBytes: number;
    /** Always true: every disk the plan partitions is erased. */
    readonly wiped: true;
    readonly labelType: string;
    readonly partitions: { readonly dev: string; readonly sizeBytes: number; readonly type: string; readonly fs: string; readonly mountpoint: string }[];
  }[];
  /** A wipe chain also erases these (every disk of the machine). */
  readonly wipeDisks: string[];
  readonly transport: "rsync" | "archive" | "multicast";
  readonly postscripts: string[];
  readonly finalAction: string;
  readonly warnings: string[];
  /** The plan in sentences, as `sysclone plan` prints it. */
  readonly lines: string[];
}

/** Pure. */
export function summarisePlan(plan: ClonePlan): PlanSummary {
  const filesystems = [...plan.filesystems, ...plan.swaps];
  const fsOf = (dev: string) => filesystems.find((fs) => fs.dev === dev);
  return {
    node: plan.node,
    osimage: plan.osimage,
    version: plan.version,
    target: plan.target,
    disks: plan.disks.map((disk) => ({
      dev: disk.dev,
      sizeBytes: disk.sizeBytes,
      wiped: true,
      labelType: disk.labelType,
      partitions: disk.partitions.map((part) => ({ dev: part.dev, sizeBytes: part.sizeBytes, type: part.type, fs: fsOf(part.dev)?.fs ?? "", mountpoint: fsOf(part.dev)?.mp ?? "" })),
    })),
    wipeDisks: [...plan.wipeDisks],
    transport: plan.transport.kind,
    postscripts: plan.postscripts.map((script) => script.name),
    finalAction: plan.finalAction,
    warnings: [...plan.warnings],
    lines: describePlan(plan),
  };
}
