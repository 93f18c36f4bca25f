import type { Attributes, ObjectType } from "../objects/schema.js";
import type { Store } from "../store/store.js";
import type { ImageRepository } from "../image/repository.js";
import { formatBytes } from "./output.js";

/** An object's stored attributes plus what sysclone derives (members, versions, sizes). */
export function describeObject(type: ObjectType, name: string, attributes: Attributes, store: Store, repository: ImageRepository): Attributes {
  if (type === "group") return { ...attributes, members: (store.groupMembers(name) ?? []).join(",") };
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
