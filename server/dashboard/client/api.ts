/**
 * The dashboard's one way to the API: same-origin fetch with the session cookie, the CSRF header on
 * every state-changing request, and the API's error body turned into an ApiError (branch on code).
 */
import type { ApiErrorBody, Session } from "./types.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | undefined,
  ) {
    super(message);
  }
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: Exclude<Method, "GET">, path: string, body?: unknown): Promise<T>;
  /** A GET whose answer is read by the caller (text, headers). */
  raw(path: string): Promise<Response>;
  /** Logs in: the session's CSRF token is kept for later requests. */
  login(user: string, password: string): Promise<Session>;
  /** The current session (after a reload), or undefined when not logged in. */
  resume(): Promise<Session | undefined>;
  logout(): Promise<void>;
}

const base = "/api/v1";

function isErrorBody(value: unknown): value is ApiErrorBody {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "string";
}

async function failure(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isErrorBody(body)) return new ApiError(response.status, body.code, body.message, body.hint);
  return new ApiError(response.status, "HTTP_" + String(response.status), `the server answered HTTP ${response.status}`, undefined);
}

/** `onUnauthenticated` runs when a request is refused for want of a session (expired, logged out elsewhere). */
export function createApi(onUnauthenticated: () => void): Api {
  let csrf = "";
  const request = async (method: Method, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET" && csrf !== "") headers["x-csrf-token"] = csrf;
    const response = await fetch(base + path, { method, headers, credentials: "same-origin", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (response.ok) return response;
    const error = await failure(response);
    if (response.status === 401 && path !== "/session") onUnauthenticated();
    throw error;
  };
  const session = async (response: Response): Promise<Session> => {
    const body = (await response.json()) as Session;
    csrf = body.csrf;
    return body;
  };
  return {
    get: async <T>(path: string) => (await (await request("GET", path)).json()) as T,
    send: async <T>(method: Exclude<Method, "GET">, path: string, body?: unknown) => {
      const response = await request(method, path, body);
      return ((response.headers.get("content-type") ?? "").includes("json") ? await response.json() : undefined) as T;
    },
    raw: (path) => request("GET", path),
    login: async (user, password) => session(await request("POST", "/session", { user, password })),
    resume: async () => {
      try {
        return await session(await request("GET", "/session"));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return undefined;
        throw error;
      }
    },
    logout: async () => {
      await request("DELETE", "/session").catch(() => undefined);
      csrf = "";
    },
  };
}

/** `/nodes/a b` → `/nodes/a%20b`: every path segment from data is encoded. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, piece, i) => out + piece + (i < values.length ? encodeURIComponent(String(values[i])) : ""), "");
}
