import { shellQuote } from "../format/shell.js";

export interface PostscriptRunInput {
  /** agent/update/probe.sh: run as a function so the node reports FIRMWARE, ESP… itself. */
  readonly probeScript: string;
  /** What the server knows: the node's identity, the image, UUID_MAP, TARGET, ROOT. */
  readonly environment: Readonly<Record<string, string>>;
  readonly definedMacs: readonly string[];
  /** The ESP of the image's layout, used when the node has none mounted. */
  readonly layoutEsp: string;
  readonly scripts: readonly { readonly name: string; readonly content: string }[];
}

export const REMOTE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MARK = "@@sysclone-postscript";
const probed = ["FIRMWARE", "ROOT_DEVICE", "ROOT_UUID", "ESP", "BOOT_DISK", "INSTALLNIC_MAC"] as const;

/**
 * One POSIX sh program that probes the node and runs the postscripts in order, each with only the
 * documented environment, stopping at the first failure: one SSH channel per node, not two per script.
 * A node pays CPU for every process it starts, so the program itself starts only mkdir, one chmod
 * and the cleanup's rm: the probe runs in this shell, the scripts are written by the printf builtin.
 */
export function renderPostscriptRun(input: PostscriptRunInput): string {
  const body = input.probeScript.replace(/^#!.*\n/, "");
  const assignments = [`PATH=${REMOTE_PATH}`, ...Object.entries(input.environment).filter(([k]) => !(probed as readonly string[]).includes(k)).map(([k, v]) => `${k}=${v}`)]
    .map(shellQuote)
    .join(" ");
  const fromProbe = probed.map((k) => `${k}="$${k}"`).join(" ");
  const files = input.scripts.map((_, index) => `"$dir/${index}"`);
  const lines = [
    "set -u",
    "umask 077",
    "dir=/tmp/sysclone-postscripts.$$",
    'if [ -e "$dir" ] || [ -L "$dir" ]; then rm -rf "$dir"; fi',
    'mkdir "$dir" || exit 125',
    "trap 'rm -rf \"$dir\"' EXIT",
    "sc_probe() {",
    body.trimEnd(),
    "}",
    'sc_probe >"$dir/probe"',
    'FIRMWARE=bios ROOT_DEVICE="" ROOT_UUID="" ESP="" BOOT_DISK="" macs=" "',
    "while IFS='=' read -r key value; do",
    "\tcase $key in",
    '\tFIRMWARE | ROOT_DEVICE | ROOT_UUID | ESP | BOOT_DISK) eval "$key=\\$value" ;;',
    '\tMAC) macs="$macs$value " ;;',
    "\tesac",
    'done <"$dir/probe"',
    `[ -n "$ESP" ] || ESP=${shellQuote(input.layoutEsp)}`,
    `INSTALLNIC_MAC=${shellQuote(input.definedMacs[0] ?? "")}`,
    `for mac in ${input.definedMacs.map(shellQuote).join(" ")}; do`,
    '\tcase $macs in *" $mac "*) INSTALLNIC_MAC=$mac; break ;; esac',
    "done",
  ];
  for (const [index, script] of input.scripts.entries()) {
    lines.push(`printf '%s\\n' ${shellQuote(script.content.endsWith("\n") ? script.content.slice(0, -1) : script.content)} >"$dir/${index}"`);
  }
  if (files.length > 0) lines.push(`chmod 700 ${files.join(" ")}`);
  for (const [index, script] of input.scripts.entries()) {
    lines.push(
      `echo ${shellQuote(`${MARK} ${script.name} begin`)}`,
      `env -i ${assignments} ${fromProbe} "$dir/${index}" 2>&1 </dev/null`,
      "rc=$?",
      `echo "${MARK} ${script.name} exit $rc"`,
      '[ "$rc" -eq 0 ] || exit "$rc"',
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface PostscriptResult {
  readonly name: string;
  /** undefined: the script never started (an earlier one failed). */
  readonly exitCode: number | undefined;
  readonly output: string;
}

/** The run's output, cut at the markers into each script's output and exit status. */
export function parsePostscriptRun(names: readonly string[], output: string): PostscriptResult[] {
  const results = new Map<string, { exitCode: number | undefined; lines: string[] }>();
  let current: { exitCode: number | undefined; lines: string[] } | undefined;
  for (const line of output.split("\n")) {
    const begin = new RegExp(`^${MARK} (\\S+) begin$`).exec(line);
    const end = new RegExp(`^${MARK} (\\S+) exit (\\d+)$`).exec(line);
    if (begin?.[1]) {
      current = { exitCode: undefined, lines: [] };
      results.set(begin[1], current);
    } else if (end?.[1] && current) {
      current.exitCode = Number(end[2]);
      current = undefined;
    } else if (current) current.lines.push(line);
  }
  return names.map((name) => {
    const found = results.get(name);
    return { name, exitCode: found?.exitCode, output: (found?.lines ?? []).join("\n").trim() };
  });
}
