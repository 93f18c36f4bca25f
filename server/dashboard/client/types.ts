/**
 * The API's shapes as the dashboard reads them. Provisional: written from the /api/v1 contract until
 * server/api exports its route schemas; then these become FromSchema<> of those schemas.
 */
import type { NodeState } from "../../../src/objects/node-state.js";
import type { EventKind } from "../../../src/store/event-kinds.js";
import type { Role } from "../../../src/auth/policy.js";

export type { NodeState, EventKind, Role };

export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
}

export interface Principal {
  user: string;
  role: Role;
  groups: string[];
}

export interface Session extends Principal {
  csrf: string;
}

export interface NodeStatus {
  state: string;
  phase: string;
  percent: number;
  bytes: number;
  lastError: string;
  destiny: string;
  osimage: string;
  imageVersion: number | null;
  bootedAt: string;
}

export interface NodeView {
  name: string;
  attributes: Record<string, string>;
  status: NodeStatus;
}

export interface NodeList {
  nodes: NodeView[];
}

export interface PlanDisk {
  dev: string;
  sizeBytes: number;
  wiped: boolean;
  partitions: unknown[];
}

export type PlanAnswer =
  | { ok: true; plan: { disks: PlanDisk[]; transport: string; postscripts: string[]; osimage: string; version: number; warnings: string[] } }
  | { ok: false; code: string; message: string };

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
  node: string | null;
  osimage: string | null;
  message: string;
  data: unknown;
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
}

export type NodesetResult = { node: string; ok: true; destiny: string } | { node: string; ok: false; code: string; message: string };
