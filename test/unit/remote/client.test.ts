import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatErrorLine, isSyscloneError, SyscloneError } from "../../../src/errors/errors.js";
import { answerError, apiClient, type Transport } from "../../../src/remote/client.js";

const settings = { url: "http://10.0.0.1:8080", token: "sct_1_secret-token-value", tokenSource: 'SYSCLONE_TOKEN_FILE "/home/op/.token"' };

describe("answerError: an API refusal is the error the local command throws", () => {
  it.each<[string, number, unknown, string, number]>([
    ["a refusal in the catalog keeps code, message and hint", 404, { code: "UNKNOWN_OBJECT", message: "no node named prod01", hint: "nodels lists the nodes you can see", nodes: ["prod01"] }, "error [UNKNOWN_OBJECT]: no node named prod01 — nodels lists the nodes you can see", 4],
    ["no hint, no hint", 409, { code: "NO_IMAGE_VERSION", message: "osimage rocky9 has no version 7" }, "error [NO_IMAGE_VERSION]: osimage rocky9 has no version 7", 42],
    ["protection", 409, { code: "PROTECTED", message: "nodeset refuses protected node db01", hint: "only an admin may override protection; nothing was changed", nodes: ["db01"] }, "error [PROTECTED]: nodeset refuses protected node db01 — only an admin may override protection; nothing was changed", 55],
    ["a refused token says what to do", 401, { code: "UNAUTHENTICATED", message: "API token 7 was revoked", hint: "present a valid API token" }, 'error [UNAUTHENTICATED]: http://10.0.0.1:8080 refused the API token from SYSCLONE_TOKEN_FILE "/home/op/.token": API token 7 was revoked — ask an admin for a new token (sysclone token add USER), put it in a file only you can read (chmod 600) and set SYSCLONE_TOKEN_FILE to it', 52],
    ["schema refusals", 400, { code: "BAD_REQUEST", message: "body/noderange must NOT have more than 4096 characters" }, "error [BAD_REQUEST]: body/noderange must NOT have more than 4096 characters", 2],
    ["a code this client does not know", 415, { code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", message: "Unsupported Media Type" }, "error [BAD_REQUEST]: the server refused the request (FST_ERR_CTP_INVALID_MEDIA_TYPE): Unsupported Media Type", 2],
    ["an unknown code on a 5xx", 500, { code: "SOMETHING_NEW", message: "boom" }, "error [INTERNAL]: the server refused the request (SOMETHING_NEW): boom", 70],
    ["line breaks from the server stay out", 400, { code: "USAGE", message: "two\nlines", hint: "and\r\nmore" }, "error [USAGE]: two lines — and  more", 2],
    ["not an API answer (a proxy's page)", 502, undefined, "error [SERVER_UNREACHABLE]: http://10.0.0.1:8080 answered HTTP 502, not as a sysclone server does — check SYSCLONE_URL: it is the address sysclone serve printed (a proxy may be answering instead)", 46],
    ["JSON of another shape", 404, { error: "not found" }, "error [SERVER_UNREACHABLE]: http://10.0.0.1:8080 answered HTTP 404, not as a sysclone server does — check SYSCLONE_URL: it is the address sysclone serve printed (a proxy may be answering instead)", 46],
  ])("%s", (_name, status, body, line, exit) => {
    const error = answerError(status, body, settings);
    expect(formatErrorLine(error)).toBe(line);
    expect(error.exitStatus).toBe(exit);
  });

  it("keeps the nodes a refusal names, as the local refusal carries them", () => {
    expect(answerError(409, { code: "PROTECTED", message: "m", nodes: ["db01", "db02"] }, settings).details).toEqual({ nodes: ["db01", "db02"] });
    expect(answerError(429, { code: "RATE_LIMITED", message: "m", retryAfter: 30 }, settings).details).toEqual({ retryAfter: 30 });
  });

  it("whatever a server answers becomes one SyscloneError on one line", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.oneof(fc.jsonValue(), fc.record({ code: fc.string(), message: fc.string(), hint: fc.string(), nodes: fc.array(fc.string()) }, { requiredKeys: [] })), (status, body) => {
        const error = answerError(status, body, settings);
        expect(error).toBeInstanceOf(SyscloneError);
        expect(formatErrorLine(error)).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

/** A transport that records what it was asked and answers from a script. */
function scripted(answer: (url: string) => { status: number; text: string } | Error): { transport: Transport; asked: { url: string; method: string; headers: Record<string, string>; body?: string | undefined }[] } {
  const asked: { url: string; method: string; headers: Record<string, string>; body?: string | undefined }[] = [];
  return {
    asked,
    transport: (url, init) => {
      asked.push({ url, method: init.method, headers: init.headers, body: init.body });
      const result = answer(url);
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
    },
  };
}

async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return "ok";
  } catch (error) {
    if (!isSyscloneError(error)) throw error;
    return formatErrorLine(error);
  }
}

describe("apiClient", () => {
  it("asks SYSCLONE_URL's /api/v1 with the bearer token, JSON both ways", async () => {
    const { transport, asked } = scripted(() => ({ status: 200, text: '{"results":[]}' }));
    const client = apiClient({ ...settings, url: "http://10.0.0.1:8080/prefix" }, new AbortController().signal, { transport });
    expect(await client.post("/nodeset", { noderange: "n01", destiny: "boot" })).toEqual({ results: [] });
    expect(await client.get("/definitions?type=node")).toEqual({ results: [] });
    expect(asked).toEqual([
      { url: "http://10.0.0.1:8080/prefix/api/v1/nodeset", method: "POST", headers: { authorization: `Bearer ${settings.token}`, accept: "application/json", "content-type": "application/json", "content-length": "36" }, body: '{"noderange":"n01","destiny":"boot"}' },
      { url: "http://10.0.0.1:8080/prefix/api/v1/definitions?type=node", method: "GET", headers: { authorization: `Bearer ${settings.token}`, accept: "application/json" }, body: undefined },
    ]);
  });

  it.each<[string, { status: number; text: string } | Error, string]>([
    ["a redirect is not followed (the token would go with it)", { status: 301, text: "" }, "error [SERVER_UNREACHABLE]: http://10.0.0.1:8080 answered with a redirect (HTTP 301), which is not followed: the token goes only to SYSCLONE_URL — set SYSCLONE_URL to the address sysclone serve printed (https:// if a proxy in front of it redirects there)"],
    ["a refusal", { status: 403, text: '{"code":"FORBIDDEN","message":"vera is a viewer and may not boot","hint":"ask an admin"}' }, "error [FORBIDDEN]: vera is a viewer and may not boot — ask an admin"],
    ["a 200 that is not JSON", { status: 200, text: "<html>" }, "error [SERVER_UNREACHABLE]: http://10.0.0.1:8080 answered HTTP 200, not as a sysclone server does — check SYSCLONE_URL: it is the address sysclone serve printed (a proxy may be answering instead)"],
    ["no server there", Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:8080"), { code: "ECONNREFUSED" }), "error [SERVER_UNREACHABLE]: cannot reach the sysclone server at http://10.0.0.1:8080: ECONNREFUSED — check SYSCLONE_URL and that sysclone serve runs there"],
    ["no answer in time", Object.assign(new Error("The operation was aborted"), { name: "AbortError" }), "error [SERVER_UNREACHABLE]: cannot reach the sysclone server at http://10.0.0.1:8080: no answer in time — check SYSCLONE_URL and that sysclone serve runs there"],
  ])("%s", async (_name, answer, line) => {
    const { transport } = scripted(() => answer);
    expect(await failure(apiClient(settings, new AbortController().signal, { transport }).get("/definitions?type=node"))).toBe(line);
  });

  it("an interrupted request says a change may have been made", async () => {
    const controller = new AbortController();
    const { transport } = scripted(() => {
      controller.abort();
      return Object.assign(new Error("aborted"), { name: "AbortError" });
    });
    expect(await failure(apiClient(settings, controller.signal, { transport }).post("/nodeset", {}))).toBe("error [SERVER_UNREACHABLE]: the request to http://10.0.0.1:8080 was interrupted before it answered — a change may or may not have been made: look with nodestat or lsdef");
  });
});
