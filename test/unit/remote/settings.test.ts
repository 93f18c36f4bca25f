import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSyscloneError } from "../../../src/errors/errors.js";
import { parseServerUrl, remoteSettings, type TokenFileReader } from "../../../src/remote/settings.js";

const TOKEN = `sct_7_${"a".repeat(43)}`;

/** A token file reader over a table of files: path → mode and content. */
function files(table: Record<string, { mode: number; content: string; dir?: boolean }>): TokenFileReader {
  const find = (file: string) => {
    const found = table[file];
    if (!found) throw Object.assign(new Error(`ENOENT: ${file}`), { code: "ENOENT" });
    return found;
  };
  return { stat: (file) => ({ mode: 0o100000 | find(file).mode, isFile: find(file).dir !== true }), read: (file) => find(file).content };
}

const disk = files({
  "/home/op/.token": { mode: 0o600, content: `${TOKEN}\n` },
  "/home/op/open": { mode: 0o644, content: TOKEN },
  "/home/op/group": { mode: 0o640, content: TOKEN },
  "/home/op/empty": { mode: 0o600, content: "\n" },
  "/home/op/two": { mode: 0o600, content: `${TOKEN}\n${TOKEN}\n` },
  "/home/op/dir": { mode: 0o700, content: "", dir: true },
});

function outcome(env: Record<string, string>): string {
  try {
    const settings = remoteSettings(env, disk);
    return settings ? `${settings.url} ${settings.token === TOKEN ? "TOKEN" : settings.token} ${settings.tokenSource}` : "local";
  } catch (error) {
    if (!isSyscloneError(error)) throw error;
    // A refusal never shows the token.
    expect(`${error.message} ${error.hint ?? ""}`).not.toContain(TOKEN);
    return `${error.code}: ${error.message}`;
  }
}

describe("remoteSettings: SYSCLONE_URL and the token", () => {
  it.each<[string, Record<string, string>, string]>([
    ["no URL: the local store", {}, "local"],
    ["an empty URL: the local store", { SYSCLONE_URL: "", SYSCLONE_TOKEN: TOKEN }, "local"],
    ["a token file", { SYSCLONE_URL: "http://10.0.0.1:8080", SYSCLONE_TOKEN_FILE: "/home/op/.token" }, 'http://10.0.0.1:8080 TOKEN SYSCLONE_TOKEN_FILE "/home/op/.token"'],
    ["a token in the environment", { SYSCLONE_URL: "http://10.0.0.1:8080/", SYSCLONE_TOKEN: ` ${TOKEN}\n` }, "http://10.0.0.1:8080 TOKEN SYSCLONE_TOKEN"],
    ["https behind a proxy, a path prefix", { SYSCLONE_URL: "https://mgmt.example:443/sysclone//", SYSCLONE_TOKEN: TOKEN }, "https://mgmt.example/sysclone TOKEN SYSCLONE_TOKEN"],
    ["both set", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN: TOKEN, SYSCLONE_TOKEN_FILE: "/home/op/.token" }, "USAGE: both SYSCLONE_TOKEN and SYSCLONE_TOKEN_FILE are set"],
    ["neither set", { SYSCLONE_URL: "http://h:1" }, "UNAUTHENTICATED: SYSCLONE_URL is set (http://h:1) but no API token is"],
    ["a file others can read", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/open" }, 'BAD_TOKEN_FILE: the token file "/home/op/open" is open to other users (mode 0644); a token anyone can read is anyone\'s'],
    ["a file its group can read", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/group" }, 'BAD_TOKEN_FILE: the token file "/home/op/group" is open to other users (mode 0640); a token anyone can read is anyone\'s'],
    ["a missing file", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/nope" }, 'BAD_TOKEN_FILE: cannot read the token file "/home/op/nope" (SYSCLONE_TOKEN_FILE): ENOENT'],
    ["a directory", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/dir" }, 'BAD_TOKEN_FILE: the token file "/home/op/dir" (SYSCLONE_TOKEN_FILE) is not a regular file'],
    ["an empty file", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/empty" }, 'BAD_TOKEN_FILE: the token file "/home/op/empty" is empty'],
    ["two lines", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN_FILE: "/home/op/two" }, 'BAD_TOKEN_FILE: the token file "/home/op/two" does not hold one API token (only the token, on one line)'],
    ["a token with a line break inside", { SYSCLONE_URL: "http://h:1", SYSCLONE_TOKEN: "sct_1_a\nX-Evil: 1" }, "BAD_TOKEN_FILE: SYSCLONE_TOKEN does not hold one API token (it holds spaces, line breaks or control characters)"],
    ["no scheme", { SYSCLONE_URL: "10.0.0.1:8080", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "10.0.0.1:8080" is not a URL: write the scheme too, http:// or https://'],
    ["a host and port that parse as a scheme", { SYSCLONE_URL: "mgmt:8080", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "mgmt:8080" is not a URL: write the scheme too, http:// or https://'],
    ["garbage", { SYSCLONE_URL: "http://", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "http://" is not a URL'],
    ["another scheme", { SYSCLONE_URL: "file:///etc/passwd", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "file:///etc/passwd" is not an http:// or https:// address'],
    ["a password in the URL", { SYSCLONE_URL: "http://alice:pw@h:1", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "http://alice:pw@h:1" holds a user name or password; the API token goes in SYSCLONE_TOKEN_FILE'],
    ["a query", { SYSCLONE_URL: "http://h:1/?x=1", SYSCLONE_TOKEN: TOKEN }, 'USAGE: SYSCLONE_URL "http://h:1/?x=1" holds a query or fragment'],
  ])("%s", (_name, env, expected) => {
    expect(outcome(env)).toBe(expected);
  });

  it("any URL text gives a base URL of http(s) with no trailing slash, or a USAGE refusal on one line", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl({ withQueryParameters: true, withFragments: true })), (text) => {
        try {
          const url = parseServerUrl(text);
          expect(url).toMatch(/^https?:\/\/[^/?#@]+(\/[^?#]*[^/?#])?$/);
        } catch (error) {
          expect(isSyscloneError(error, "USAGE")).toBe(true);
          expect((error as Error).message).not.toMatch(/[\r\n]/);
        }
      }),
    );
  });
});
