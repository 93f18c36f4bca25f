import { SyscloneError } from "../errors/errors.js";
import { describeNodeResult, describeSummary, type BmcFanout, type FleetResult } from "../power/fleet.js";
import { positiveIntegerOption, stringValue, type CommandDeps, type Options, type ParsedArgs } from "./command.js";

/** Options every BMC command takes: how many BMCs at once, and waves. */
export const bmcFanoutOptions: Options = {
  fanout: { type: "string", short: "f" },
  wave: { type: "string" },
  interval: { type: "string" },
};

export const bmcFanoutHelp: Readonly<Record<string, string>> = {
  fanout: "BMCs talked to at once (default 64)",
  wave: "nodes per wave: N are powered, then the command waits --interval seconds before the next N",
  interval: "seconds between waves (default 10 with --wave)",
};

export function bmcFanoutOf(args: ParsedArgs): BmcFanout {
  const wave = stringValue(args, "wave") === undefined ? undefined : positiveIntegerOption(args, "wave", 1);
  const intervalText = stringValue(args, "interval");
  if (intervalText !== undefined && !/^\d+(\.\d+)?$/.test(intervalText)) throw new SyscloneError("USAGE", `--interval ${JSON.stringify(intervalText.slice(0, 40))} is not a number of seconds`);
  if (intervalText !== undefined && wave === undefined) throw new SyscloneError("USAGE", "--interval goes with --wave N", { hint: "e.g. --wave 20 --interval 30" });
  return { fanout: positiveIntegerOption(args, "fanout", 64), ...(wave !== undefined ? { wave } : {}), intervalSeconds: intervalText === undefined ? 10 : Number(intervalText) };
}

/** Each node's line as it comes (not with --json), then the summary; exit 1 when any node failed. */
export function reportLine(deps: Pick<CommandDeps, "out">): (result: FleetResult["nodes"][number]) => void {
  return (result) => deps.out.line(describeNodeResult(result));
}

export function finishFleet(deps: Pick<CommandDeps, "out">, result: FleetResult): number {
  if (deps.out.json) deps.out.data(result);
  else deps.out.line(describeSummary(result));
  return result.summary.failed.length > 0 ? 1 : 0;
}
