import { formatBytes } from "../format/bytes.js";
import type { ImageRepository } from "../image/repository.js";
import type { Store } from "../store/store.js";
import { schemas, type Attributes, type ObjectType } from "./schema.js";

/**
 * What lsdef shows of an object: its stored attributes plus what sysclone derives (a group's members,
 * an osimage's directory, versions, size and kernel). The local lsdef and the API's
 * GET /definitions/:type both show objects through here, so they print the same.
 */
export function describeObject(type: ObjectType, name: string, attributes: Attributes, store: Pick<Store, "groupMembers" | "imageVersions">, repository: Pick<ImageRepository, "imageDir">): Attributes {
  if (type === "group") return describeGroup(attributes, store.groupMembers(name) ?? []);
  if (type !== "osimage") return attributes;
  const versions = store.imageVersions(name);
  const current = versions.find((v) => String(v.version) === attributes["currentversion"]);
  return {
    ...attributes,
    imagedir: repository.imageDir(name),
    versions: versions.map((v) => `v${v.version}`).join(","),
    ...(current
      ? {
          size: `${formatBytes(current.sizeBytes)} (${current.sizeBytes} bytes, ${current.fileCount} entries)`,
          captured: `${current.capturedAt} from ${current.sourceNode}`,
          kernel: current.kernel,
        }
      : {}),
  };
}

/** A group as lsdef shows it, with the members given (all of them, or those a scoped caller sees). Pure. */
export function describeGroup(attributes: Attributes, members: readonly string[]): Attributes {
  return { ...attributes, members: members.join(",") };
}

/** A group no mkdef defined (only named in nodes' groups), as a definition with the defaults would be stored. Pure. */
export function implicitGroup(): Attributes {
  return Object.fromEntries(schemas.group.map((spec) => [spec.name, spec.defaultValue ?? ""]));
}
