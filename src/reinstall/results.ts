/** rinstall --kexec's results and what it prints. Pure. */
import { SyscloneError } from "../errors/errors.js";
import type { NodeFailure } from "../update/fanout.js";

/** How a running node starts the clone initrd: kexec, or one reboot into a grub entry made for it. */
export type RebootMethod = "kexec" | "grub";

export interface KexecNodeResult {
  readonly node: string;
  readonly ok: boolean;
  readonly method?: RebootMethod;
  readonly seconds: number;
  readonly error?: NodeFailure;
}

/** rinstall --kexec --json prints this. */
export interface KexecResult {
  readonly nodes: readonly KexecNodeResult[];
  readonly summary: { readonly total: number; readonly ok: number; readonly failed: readonly string[]; readonly seconds: number };
}

/** agent/reinstall/node.sh probe's answer: METHOD= and STAGE= lines. */
export function parseNodeAnswer(text: string): { method: RebootMethod; stage: string } {
  const method = /^METHOD=(kexec|grub)$/m.exec(text)?.[1];
  const stage = /^STAGE=(\/[A-Za-z0-9/_.-]+)$/m.exec(text)?.[1];
  if ((method !== "kexec" && method !== "grub") || stage === undefined || stage.includes("..")) {
    throw new SyscloneError("SSH_COMMAND_FAILED", `the node's probe answered something unexpected: ${JSON.stringify(text.slice(0, 120))}`);
  }
  return { method, stage };
}

/** The closing line: "rinstall --kexec: 3 node(s) in 12.3 s: 2 ok, 1 failed: n04 (SSH_UNREACHABLE)". */
export function describeKexecResult(result: KexecResult): string {
  const { summary } = result;
  const failures = result.nodes.filter((n) => !n.ok).map((n) => `${n.node} (${n.error?.code ?? "?"})`).join(", ");
  const failed = summary.total - summary.ok;
  return `rinstall --kexec: ${summary.total} node(s) in ${summary.seconds.toFixed(1)} s: ${summary.ok} ok${failed > 0 ? `, ${failed} failed: ${failures}` : ""}`;
}
