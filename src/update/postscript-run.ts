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
  /** A heredoc delimiter that appears in no script. */
  readonly delimiter: string;
}

export const REMOTE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MARK = "@@sysclone-postscript";
const probed = ["FIRMWARE", "ROOT_DEVICE", "ROOT_UUID", "ESP", "BOOT_DISK", "INSTALLNIC_MAC"] as const;

/**
 * One POSIX sh program that probes the node and runs the postscripts in order, each with only the
 * documented environment, stopping at the first failure: one SSH channel per node, not two per script.
 */
export function renderPostscriptRun(input: PostscriptRunInput): string {
  const body = input.probeScript.replace(/^#!.*\n/, "");
  const assignments = [`PATH=${REMOTE_PATH}`, ...Object.entries(input.environment).filter(([k]) => !(probed as readonly string[]).includes(k)).map(([k, v]) => `${k}=${v}`)]
    .map(shellQuote)
    .join(" ");
  const fromProbe = probed.map((k) => `${k}="$${k}"`).join(" ");
  const lines = [
    "set -u",
    "umask 077",
    "sc_probe() {",
    body.trimEnd(),
    "}",
    'FIRMWARE=bios ROOT_DEVICE="" ROOT_UUID="" ESP="" BOOT_DISK="" macs=" "',
    "while IFS='=' read -r key value; do",
    "\tcase $key in",
    '\tFIRMWARE | ROOT_DEVICE | ROOT_UUID | ESP | BOOT_DISK) eval "$key=\\$value" ;;',
    '\tMAC) macs="$macs$value " ;;',
    "\tesac",
    `done <<${input.delimiter}`,
    "$(sc_probe)",
    input.delimiter,
    `[ -n "$ESP" ] || ESP=${shellQuote(input.layoutEsp)}`,
    `INSTALLNIC_MAC=${shellQuote(input.definedMacs[0] ?? "")}`,
    `for mac in ${input.definedMacs.map(shellQuote).join(" ")}; do`,
    '\tcase $macs in *" $mac "*) INSTALLNIC_MAC=$mac; break ;; esac',
    "done",
    "dir=/tmp/sysclone-postscripts.$$",
    'rm -rf "$dir" && mkdir "$dir" || exit 125',
    "trap 'rm -rf \"$dir\"' EXIT",
  ];
  for (const [index, script] of input.scripts.entries()) {
    const file = `"$dir/${index}"`;
    lines.push(`cat > ${file} <<'${input.delimiter}'`, script.content.endsWith("\n") ? script.content.slice(0, -1) : script.content, input.delimiter, `chmod 700 ${file}`);
  }
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

/** A delimiter no script contains. */
export function chooseDelimiter(scripts: readonly { readonly content: string }[], random: () => string): string {
  for (;;) {
    const delimiter = `SYSCLONE_${random()}`;
    if (!scripts.some((s) => s.content.split("\n").includes(delimiter))) return delimiter;
  }
}
