import { formatNodelsListing, nodelsListing } from "../../../src/noderange/listing.js";
import { expect } from "vitest";
import { SyscloneError } from "../../../src/errors/errors.js";
import { expandNoderange, type NoderangeContext, type Shorthand } from "../../../src/noderange/noderange.js";

/** The typed error `run` throws; fails the test when it throws nothing or something else. */
export function refusal(run: () => unknown): SyscloneError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SyscloneError);
  return caught as SyscloneError;
}

/**
 * An in-memory cluster for replaying xCAT's man-page examples and xCAT-test cases: mkdef
 * expands a noderange without verification (new names), nodels with it, as the CLI does.
 * Groups are what nodes' groups attributes name, plus explicitly defined ones.
 */
export class Cluster {
  private readonly nodes = new Map<string, Record<string, string>>();
  private readonly definedGroups = new Set<string>();
  private readonly files = new Map<string, string>();

  constructor(
    private readonly attributeNames: readonly string[] = ["groups", "osimage", "mac", "ip", "serial", "uuid", "state", "postscripts"],
    private readonly shorthand?: Shorthand,
  ) {}

  context(): NoderangeContext {
    const members = new Map<string, string[]>();
    for (const [name, attributes] of this.nodes) {
      for (const group of (attributes["groups"] ?? "").split(",").filter((g) => g !== "")) members.set(group, [...(members.get(group) ?? []), name]);
    }
    return {
      allNodes: [...this.nodes.keys()],
      allGroups: [...new Set([...this.definedGroups, ...members.keys()])],
      groupMembers: (name) => members.get(name) ?? (this.definedGroups.has(name) ? [] : undefined),
      readFile: (path) => {
        const text = this.files.get(path);
        if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
        return text;
      },
      attributeNames: this.attributeNames,
      attribute: (node, name) => this.nodes.get(node)?.[name] ?? "",
      ...(this.shorthand ? { shorthand: this.shorthand } : {}),
    };
  }

  /** mkdef -t node -o RANGE attr=value…: new names allowed; returns the names defined. */
  mkdef(range: string, attributes: Record<string, string> = {}): string[] {
    const names = expandNoderange(range, this.context());
    for (const name of names) this.nodes.set(name, { ...(this.nodes.get(name) ?? {}), ...attributes });
    return names;
  }

  /** chdef -p: add to a list attribute. */
  chdefAppend(node: string, attribute: string, value: string): void {
    const attributes = this.nodes.get(node) ?? {};
    attributes[attribute] = [attributes[attribute], value].filter((v) => v !== undefined && v !== "").join(",");
    this.nodes.set(node, attributes);
  }

  defineGroup(name: string): void {
    this.definedGroups.add(name);
  }

  writeFile(path: string, text: string): void {
    this.files.set(path, text);
  }

  /** The names of a noderange, verified, as `nodels RANGE` lists them. */
  expand(range: string): string[] {
    return expandNoderange(range, this.context(), { verify: true });
  }

  /** `nodels [-H] [RANGE] [columns…]`: the printed lines. */
  nodels(range: string | undefined, columns: readonly string[] = [], withFieldname = false): string[] {
    const context = this.context();
    const nodes = range === undefined ? context.allNodes : expandNoderange(range, context, { verify: true });
    return formatNodelsListing(nodelsListing(nodes, columns, withFieldname, { attributeNames: this.attributeNames, attribute: (n, a) => this.nodes.get(n)?.[a] ?? "" }));
  }
}

/** prefix + from..to, zero-padded to width: seq("node", 1, 3) = node1, node2, node3. */
export function seq(prefix: string, from: number, to: number, width = 0, suffix = ""): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(width, "0")}${suffix}`);
}

export function sorted(names: readonly string[]): string[] {
  return [...names].sort();
}
