import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { normaliseAttributes } from "../../../src/objects/schema.js";

/** Finding 8 of issue 13: a host name reaches dnsmasq's host entries; a space crashed serve, a comma added a DHCP option. */
describe("node host names are RFC 1123 names", () => {
  it.each(["n01", "n01.cluster", "MS02.ppd.pok.com", "a-b.c-d", ""])("takes %j", (hostname) => {
    expect(normaliseAttributes("node", { hostname })["hostname"]).toBe(hostname);
  });

  it.each(["n01 x", "n01,set:evil", "-n01", "n01-", "n01..cluster", "n_01", "a".repeat(64), `${"a.".repeat(127)}a`])("refuses %j with BAD_ATTRIBUTE and one line", (hostname) => {
    let error: unknown;
    try {
      normaliseAttributes("node", { hostname });
    } catch (caught) {
      error = caught;
    }
    expect(isSyscloneError(error, "BAD_ATTRIBUTE")).toBe(true);
    expect((error as Error).message).toMatch(/is not a host name/);
    expect((error as Error).message).not.toContain("\n");
  });
});
