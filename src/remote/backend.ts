import { readFileSync } from "node:fs";
import type { FromSchema } from "json-schema-to-ts";
import type { changeAnswer, definitionsBody } from "../../server/api/definitions.js";
import type { nodesetAnswer } from "../../server/api/nodeset.js";
import type { Backend, Fleet } from "../cli/backend.js";
import { SyscloneError } from "../errors/errors.js";
import { expandNoderange, type NoderangeContext } from "../noderange/noderange.js";
import type { NodesetResult } from "../nodes/nodeset.js";
import { isDestiny } from "../objects/node-state.js";
import { schemas, type Attributes, type ObjectType } from "../objects/schema.js";
import type { ApiClient } from "./client.js";

type Definitions = FromSchema<typeof definitionsBody>;
type NodesetAnswer = FromSchema<typeof nodesetAnswer>;
type ChangeAnswer = FromSchema<typeof changeAnswer>;

/** The store's refusal for a name that is no object (Store.requireObject), word for word. Pure. */
export function unknownObjectError(type: ObjectType, name: string): SyscloneError {
  return new SyscloneError("UNKNOWN_OBJECT", `no ${type} named "${name}"`, { hint: `define it first: mkdef -t ${type} ${name} attr=value…` });
}

type ObjectMaps = Readonly<Record<ObjectType, ReadonlyMap<string, Attributes> | undefined>>;

/**
 * A noderange context from what the API shows the caller: its visible nodes (with their groups
 * lists) and its visible groups, which is the scoped context the server expands in. A ^file is read
 * here, on the caller's machine, where the user wrote it. Pure but for ^file.
 */
export function remoteNoderangeContext(nodes: ReadonlyMap<string, Attributes>, groups: ReadonlyMap<string, Attributes>, readFile: (file: string) => string): NoderangeContext {
  const members = new Map<string, string[]>();
  for (const [node, attributes] of nodes) {
    for (const group of (attributes["groups"] ?? "").split(",")) {
      if (group === "") continue;
      const list = members.get(group) ?? [];
      list.push(node);
      members.set(group, list);
    }
  }
  return {
    allNodes: [...nodes.keys()],
    allGroups: [...groups.keys()].sort(),
    groupMembers: (name) => members.get(name) ?? (groups.has(name) ? [] : undefined),
    readFile,
    attributeNames: schemas.node.map((spec) => spec.name),
    attribute: (node, name) => nodes.get(node)?.[name] ?? "",
  };
}

/** The fleet as the API showed it. Pure but for ^file. */
export function remoteFleet(maps: ObjectMaps, readFile: (file: string) => string): Fleet {
  const of = (type: ObjectType): ReadonlyMap<string, Attributes> => {
    const map = maps[type];
    if (!map) throw new Error(`the ${type}s were not read from the server`);
    return map;
  };
  return {
    noderange: remoteNoderangeContext(of("node"), of("group"), readFile),
    names: (type) => [...of(type).keys()],
    shown: (type, name) => of(type).get(name),
    requireObject(type, name) {
      const found = of(type).get(name);
      if (!found) throw unknownObjectError(type, name);
      return found;
    },
  };
}

function nodesetResult(answer: NodesetAnswer["results"][number]): NodesetResult {
  if (!answer.ok) throw new SyscloneError("INTERNAL", `the server answered a partial nodeset (${answer.node}: ${answer.code ?? ""} ${answer.message ?? ""})`, { hint: "look with nodestat; this is a bug in sysclone" });
  const destiny = answer.destiny;
  if (!isDestiny(destiny)) throw new SyscloneError("INTERNAL", `the server answered an unknown destiny for ${answer.node}`, { hint: "is the server a newer sysclone? run the same version here" });
  return {
    node: answer.node,
    destiny,
    ...(answer.osimage !== undefined ? { osimage: answer.osimage } : {}),
    ...(answer.version !== undefined ? { version: answer.version } : {}),
    ...(answer.revokedInstall !== undefined ? { revokedInstall: answer.revokedInstall } : {}),
  };
}

/**
 * The commands through /api/v1 with the user's token: reads are the objects the token's user sees
 * (its scope), changes are the API's (all or nothing, audited as the user via api). The server
 * decides; this side expands and formats exactly as the local commands do.
 */
export function remoteBackend(client: ApiClient, url: string, readFile: (file: string) => string = (file) => readFileSync(file, "utf8")): Backend {
  const read = async (type: ObjectType): Promise<Map<string, Attributes>> => {
    const answer = await client.get<Definitions>(`/definitions?type=${type}`);
    return new Map(answer.objects.map((object) => [object.name, object.attributes]));
  };
  const fleet = async (types: readonly ObjectType[]): Promise<Fleet> => {
    const [node, group, osimage] = await Promise.all([read("node"), read("group"), types.includes("osimage") ? read("osimage") : undefined]);
    return remoteFleet({ node, group, osimage }, readFile);
  };
  return {
    where: url,
    fleet,
    async changeObjects(change) {
      const answer = await client.post<ChangeAnswer>("/definitions", {
        definitions: change.definitions.map((definition) => ({ type: definition.type, names: definition.names, attributes: definition.attributes })),
        mode: change.mode,
        stanza: change.fromStanza,
      });
      return { created: answer.created, changed: answer.changed };
    },
    async renameNode(from, to) {
      await client.post("/definitions/rename", { from, to });
    },
    async setNextBoot(order) {
      // A ^file is the caller's: read it here, and send the server the nodes it names.
      const noderange = order.noderange.includes("^") ? expandNoderange(order.noderange, (await fleet([])).noderange).join(",") : order.noderange;
      const answer = await client.post<NodesetAnswer>("/nodeset", {
        noderange,
        destiny: order.actionText,
        ...(order.force ? { force: true } : {}),
        ...(order.confirm !== undefined ? { confirm: order.confirm } : {}),
      });
      return answer.results.map(nodesetResult);
    },
  };
}
