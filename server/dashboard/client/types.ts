/**
 * The API's shapes as the dashboard reads them, from the route schemas themselves where server/api
 * exports them (FromSchema: the same types the handlers are checked against), so a changed schema
 * breaks the dashboard's type-check, not the page. Types only: nothing here exists at run time.
 * The shapes below the line mirror schemas that server/api keeps private to its route files.
 */
import type { FromSchema } from "json-schema-to-ts";
import type { errorBody, nodeSchema, principalBody } from "../../api/schemas.js";
import type { NodeState } from "../../../src/objects/node-state.js";
import type { EventKind } from "../../../src/store/event-kinds.js";
import type { Role } from "../../../src/auth/policy.js";

export type { NodeState, EventKind, Role };

export type ApiErrorBody = FromSchema<typeof errorBody>;
export type Principal = FromSchema<typeof principalBody>;
export type Session = Principal & { csrf: string };
export type NodeView = FromSchema<typeof nodeSchema>;
export type NodeStatus = NodeView["status"];
export interface NodeList {
  nodes: NodeView[];
}

// ---- mirrors of server/api's private schemas (nodes.ts, osimages.ts, nodeset.ts, events) ----

export interface PlanPartition {
  dev: string;
  sizeBytes: number;
  type: string;
  fs: string;
  mountpoint: string;
}

export interface PlanDisk {
  dev: string;
  sizeBytes: number;
  wiped: boolean;
  labelType: string;
  partitions: PlanPartition[];
}

export interface PlanSummary {
  node: string;
  osimage: string;
  version: number;
  target: "disks" | "directory";
  disks: PlanDisk[];
  wipeDisks: string[];
  transport: "rsync" | "archive" | "multicast";
  postscripts: string[];
  finalAction: string;
  warnings: string[];
  lines: string[];
}

export interface PlanAnswer {
  ok: boolean;
  code?: string;
  message?: string;
  hint?: string;
  plan?: PlanSummary;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  source: "audit" | "event";
  message: string;
  actor?: string;
}

export interface ApiEvent {
  id: number;
  at: string;
  kind: string;
  /** "" when the event is about no node. */
  node: string;
  osimage: string;
  message: string;
  data: Record<string, unknown>;
}

export interface ImageVersion {
  version: number;
  capturedAt: string;
  sourceNode: string;
  sizeBytes: number;
  fileCount: number;
  current: boolean;
}

export interface ObjectView {
  name: string;
  attributes: Record<string, string>;
}

export interface ImageDiff {
  added: string[];
  changed: string[];
  removed: string[];
  totals: { added: number; changed: number; removed: number };
  truncated: boolean;
}

export interface NodesetResult {
  node: string;
  ok: boolean;
  destiny?: string;
  osimage?: string;
  version?: number;
  revokedInstall?: number;
  code?: string;
  message?: string;
}
