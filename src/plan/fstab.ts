import type { Layout } from "../layout/model.js";
import type { PlannedFilesystem } from "./model.js";

/** The clone's /etc/fstab: the golden client's lines in order, each filesystem the clone creates named by its new UUID. */
export function renderFstab(layout: Layout, created: readonly PlannedFilesystem[]): string {
  const byGolden = new Map(created.map((fs) => [`${fs.goldenDev}\0${fs.mp}`, fs]));
  const lines = ["# /etc/fstab written by sysclone: filesystems it created are named by UUID"];
  for (const entry of [...layout.filesystems].sort((a, b) => a.line - b.line)) {
    const made = byGolden.get(`${entry.realDev}\0${entry.mp}`);
    const spec = made ? `UUID=${made.uuid}` : entry.mountDev;
    lines.push([spec, entry.mp, entry.fs, entry.options, String(entry.dump), String(entry.pass)].join("\t"));
  }
  return `${lines.join("\n")}\n`;
}
