import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { errorCatalog, SyscloneError, type ErrorCode } from "../errors/errors.js";
import type { RemoteSettings } from "./settings.js";

/** A JSON client of /api/v1 with a bearer token, to the one URL given, answering typed bodies or SyscloneErrors. */
export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** One HTTP exchange: the status and the body as text. The real one is node:http(s); tests may pass another. */
export type Transport = (url: string, init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; signal: AbortSignal }) => Promise<{ status: number; text: string }>;

/** An answer larger than this is not one the API gives: refused rather than held in memory. */
const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

/** node:http(s), which follows no redirect and, unlike fetch, refuses no port. */
export const httpTransport: Transport = (url, init) =>
  new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const request = send(url, { method: init.method, headers: init.headers, signal: init.signal }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) request.destroy(new Error("the answer is too large"));
        else chunks.push(chunk);
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(init.body);
  });

/** A large nodeset or chdef is one request: generous, but a hung server still ends. */
const DEFAULT_TIMEOUT_MS = 120_000;

/** A server's words on one line: control characters (line breaks above all) become spaces. */
const oneLine = (text: string): string => Array.from(text.slice(0, 2000), (c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? " " : c)).join("");

const newTokenHint = "ask an admin for a new token (sysclone token add USER), put it in a file only you can read (chmod 600) and set SYSCLONE_TOKEN_FILE to it";

/**
 * A refusal from the API ({code, message, hint?, nodes?, retryAfter?}) as the SyscloneError the
 * local command would have thrown: the same code, message and hint, hence the same line and exit
 * status. A refused token says what to do about it. Pure.
 */
export function answerError(status: number, body: unknown, settings: Pick<RemoteSettings, "url" | "tokenSource">): SyscloneError {
  const answer = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const { code, message, hint, nodes, retryAfter } = answer;
  if (typeof code !== "string" || typeof message !== "string") {
    return new SyscloneError("SERVER_UNREACHABLE", `${settings.url} answered HTTP ${status}, not as a sysclone server does`, { hint: "check SYSCLONE_URL: it is the address sysclone serve printed (a proxy may be answering instead)" });
  }
  if (code === "UNAUTHENTICATED") {
    return new SyscloneError("UNAUTHENTICATED", `${settings.url} refused the API token from ${settings.tokenSource}: ${oneLine(message)}`, { hint: newTokenHint });
  }
  const details = {
    ...(Array.isArray(nodes) ? { nodes: nodes.map(String) } : {}),
    ...(typeof retryAfter === "number" ? { retryAfter } : {}),
  };
  const options = { ...(typeof hint === "string" && hint !== "" ? { hint: oneLine(hint) } : {}), ...(Object.keys(details).length > 0 ? { details } : {}) };
  if (Object.hasOwn(errorCatalog, code)) return new SyscloneError(code as ErrorCode, oneLine(message), options);
  // A code this client does not know (a newer server, or fastify's own): kept in the message.
  return new SyscloneError(status < 500 ? "BAD_REQUEST" : "INTERNAL", `the server refused the request (${oneLine(code)}): ${oneLine(message)}`, options);
}

/** Why no answer came, as the user can act on it. */
function unreachable(settings: RemoteSettings, error: unknown, signal: AbortSignal): SyscloneError {
  if (signal.aborted) {
    return new SyscloneError("SERVER_UNREACHABLE", `the request to ${settings.url} was interrupted before it answered`, { hint: "a change may or may not have been made: look with nodestat or lsdef" });
  }
  const failure = error instanceof Error ? (error as NodeJS.ErrnoException) : undefined;
  const why = failure?.name === "AbortError" || failure?.name === "TimeoutError" ? "no answer in time" : failure?.code ?? (failure ? oneLine(failure.message) : "failed");
  return new SyscloneError("SERVER_UNREACHABLE", `cannot reach the sysclone server at ${settings.url}: ${why}`, { hint: "check SYSCLONE_URL and that sysclone serve runs there" });
}

/**
 * The client. Requests go to SYSCLONE_URL and nowhere else: a redirect is refused, not followed,
 * so the token is never sent on. The token is only ever in the Authorization header.
 */
export function apiClient(settings: RemoteSettings, signal: AbortSignal, options: { transport?: Transport; timeoutMs?: number } = {}): ApiClient {
  const transport = options.transport ?? httpTransport;
  const request = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    const combined = AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)]);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let response: { status: number; text: string };
    try {
      response = await transport(`${settings.url}/api/v1${path}`, {
        method,
        signal: combined,
        headers: {
          authorization: `Bearer ${settings.token}`,
          accept: "application/json",
          ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
        },
        ...(payload === undefined ? {} : { body: payload }),
      });
    } catch (error) {
      throw unreachable(settings, error, signal);
    }
    const { status, text } = response;
    if (status >= 300 && status < 400) {
      throw new SyscloneError("SERVER_UNREACHABLE", `${settings.url} answered with a redirect (HTTP ${status}), which is not followed: the token goes only to SYSCLONE_URL`, { hint: "set SYSCLONE_URL to the address sysclone serve printed (https:// if a proxy in front of it redirects there)" });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status < 200 || status >= 300 || parsed === undefined) throw answerError(status, parsed, settings);
    return parsed as T;
  };
  return {
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
  };
}
