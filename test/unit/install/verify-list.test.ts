import { describe, expect, it } from "vitest";
import type { ManifestEntry } from "../../../src/image/manifest.js";
import { metadataList } from "../../../src/install/verify-list.js";

const jsonl = (entries: ManifestEntry[]): string => `${entries.map((e) => JSON.stringify(e)).join("\n")}\n`;
const base = { mode: "0755", uid: 0, gid: 0, size: 0 } as const;

describe("metadataList: the manifest as the node checks a clone against it", () => {
  it("gives every entry its type, mode, owner, size and hash or link target, tab-separated, paths relative", () => {
    const list = metadataList(jsonl([
      { ...base, path: "/", type: "d" },
      { ...base, path: "/etc/passwd", type: "f", mode: "0644", uid: 0, gid: 0, size: 12, sha256: "a".repeat(64) },
      { ...base, path: "/bin", type: "l", mode: "0777", target: "usr/bin" },
      { ...base, path: "/dev/null", type: "c", mode: "0666", rdev: 259 },
      { ...base, path: "/home/a b", type: "d", mode: "0700", uid: 1000, gid: 1000 },
    ]));
    expect(list.text.split("\n")).toEqual([
      "d\t0755\t0\t0\t0\t-\t.",
      `f\t0644\t0\t0\t12\t${"a".repeat(64)}\t./etc/passwd`,
      "l\t0777\t0\t0\t0\tusr/bin\t./bin",
      "c\t0666\t0\t0\t0\t-\t./dev/null",
      "d\t0700\t1000\t1000\t0\t-\t./home/a b",
      "",
    ]);
    expect(list).toMatchObject({ files: 1, entries: 5, skipped: 0 });
  });

  it("counts, not lists, names it cannot carry; leaves unchecked a link target stat would quote", () => {
    const list = metadataList(jsonl([
      { ...base, path: "/new\nline", type: "f", sha256: "b".repeat(64) },
      { ...base, path: "/tab\there", type: "d" },
      { ...base, path: "/back\\slash", type: "d" },
      { ...base, path: "/quoted", type: "l", mode: "0777", target: "it's" },
      { ...base, path: "/café", type: "l", mode: "0777", target: "x" },
    ]));
    expect(list.skipped).toBe(3);
    // The directories holding what cannot be named are walked by rsync instead: the nearest one that can be named.
    expect(list.text).toBe("l\t0777\t0\t0\t0\t-\t./quoted\nl\t0777\t0\t0\t0\t-\t./café\nR\t-\t-\t-\t-\t-\t.\n");
    const nested = metadataList(jsonl([{ ...base, path: "/srv/a\nb/c", type: "f", sha256: "c".repeat(64) }, { ...base, path: "/srv/x\\y", type: "d" }]));
    expect(nested.text).toBe("R\t-\t-\t-\t-\t-\t./srv\n");
    expect(nested).toMatchObject({ entries: 0, skipped: 2 });
  });
});
