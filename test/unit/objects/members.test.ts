import { describe, expect, it } from "vitest";
import { membershipChanges } from "../../../src/objects/members.js";

const nodes = new Map([
  ["n1", "all,compute"],
  ["n2", "all"],
  ["n3", ""],
]);

describe("static group membership (members= on a group)", () => {
  it.each([
    // mkdef(1) example 5: mkdef -t group -o LinuxNodes members="clstrn01,clstrn02": exactly those nodes are in it
    ["set", "compute", ["n2", "n3"], [["n1", "all"], ["n2", "all,compute"], ["n3", "compute"]]],
    // chdef(1) example 6: chdef -p -t group -o LinuxNodes members="node01" adds node01
    ["add", "compute", ["n3"], [["n3", "compute"]]],
    ["add", "compute", ["n1"], []],
    ["remove", "all", ["n1", "n3"], [["n1", "compute"]]],
    // rmdef(1) example 3: removing a group updates the groups of its member nodes
    ["set", "all", [], [["n1", "compute"], ["n2", ""]]],
  ] as const)("%s %s members=%j", (mode, group, members, expected) => {
    expect([...membershipChanges(nodes, group, members, mode)]).toEqual(expected);
  });

  it("refuses a member that is not a defined node, escaping its name", () => {
    expect(() => membershipChanges(nodes, "g", ["n1", "ghost\n"], "add")).toThrow('group g: member "ghost\\n" is not a defined node');
  });
});
