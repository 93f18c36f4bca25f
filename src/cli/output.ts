import { formatErrorLine, type SyscloneError } from "../errors/errors.js";

import { formatBytes } from "../format/bytes.js";

export { formatBytes };

/** What a command prints through: plain lines, JSON with --json, a progress bar on a TTY. */
export interface Output {
  readonly json: boolean;
  line(text: string): void;
  warn(text: string): void;
  data(value: unknown): void;
  progress(label: string, percent: number, detail: string): void;
  endProgress(): void;
  error(error: SyscloneError): void;
}

export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function renderBar(percent: number, width: number): string {
  const clamped = Math.max(0, Math.min(100, percent));
  const filled = Math.round((clamped / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(clamped)).padStart(3)}%`;
}

export function createOutput(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }): Output {
  const tty = streams.stderr.isTTY === true && !json;
  let barShown = false;
  let lastPlainDecile = -1;
  const clearBar = (): void => {
    if (barShown) {
      streams.stderr.write("\r\x1b[K");
      barShown = false;
    }
  };
  return {
    json,
    line(text) {
      if (json) return;
      clearBar();
      streams.stdout.write(`${text}\n`);
    },
    warn(text) {
      clearBar();
      streams.stderr.write(json ? `${JSON.stringify({ warning: text })}\n` : `warning: ${text}\n`);
    },
    data(value) {
      streams.stdout.write(`${JSON.stringify(value, null, json ? 2 : 0)}\n`);
    },
    progress(label, percent, detail) {
      if (json) return;
      if (tty) {
        streams.stderr.write(`\r\x1b[K${label} ${renderBar(percent, 30)} ${detail}`);
        barShown = true;
        return;
      }
      const decile = Math.floor(percent / 10);
      if (decile !== lastPlainDecile) {
        lastPlainDecile = decile;
        streams.stdout.write(`${label} ${Math.round(percent)}% ${detail}\n`);
      }
    },
    endProgress() {
      clearBar();
      lastPlainDecile = -1;
    },
    error(error) {
      clearBar();
      if (json) streams.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
      streams.stderr.write(`${formatErrorLine(error)}\n`);
    },
  };
}

/** How a capture's phases and progress reach the user, each line prefixed (xCAT style). */
export function captureReporter(out: Output, prefix: string): { phase(phase: string, message: string): void; progress(percent: number, bytes: number): void; warn(message: string): void } {
  return {
    phase: (phase, message) => {
      out.endProgress();
      out.line(`${prefix}${phase}: ${message}`);
    },
    progress: (percent, bytes) => out.progress(`${prefix}rsync`, percent, formatBytes(bytes)),
    warn: (message) => out.warn(`${prefix}${message}`),
  };
}
