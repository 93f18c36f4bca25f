import type { FastifyRequest } from "fastify";
import type { Actor } from "../../src/audit/record.js";
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from "../../src/auth/login-limit.js";
import type { Principal } from "../../src/auth/policy.js";
import { SESSION_LIFETIME_MS, SessionTable } from "../../src/auth/sessions.js";
import type { InstallDeps } from "../../src/install/service.js";
import { clientAddress } from "../request.js";

/** Tuning of the API scope; tests shorten the intervals. */
export interface ApiOptions {
  readonly sessionLifetimeMs?: number;
  readonly loginLimits?: LoginLimits;
  /** How often an event stream looks for new events in the store (default 250 ms). */
  readonly streamPollMs?: number;
  /** How often an idle event stream sends a comment so proxies keep it open (default 15 s). */
  readonly heartbeatMs?: number;
}

/** What every resource of the API scope shares. */
export interface ApiContext {
  readonly deps: InstallDeps;
  readonly sessions: SessionTable;
  readonly logins: LoginLimiter;
  readonly streamPollMs: number;
  readonly heartbeatMs: number;
  /** Ends the event streams when the server closes. */
  readonly streams: Set<() => void>;
  /** Cookies get Secure when the server is reached over https. */
  readonly secureCookies: boolean;
}

export function apiContext(deps: InstallDeps, options: ApiOptions): ApiContext {
  return {
    deps,
    sessions: new SessionTable(options.sessionLifetimeMs ?? SESSION_LIFETIME_MS),
    logins: new LoginLimiter(options.loginLimits ?? DEFAULT_LOGIN_LIMITS),
    streamPollMs: options.streamPollMs ?? 250,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    streams: new Set(),
    secureCookies: deps.serverUrl.startsWith("https:"),
  };
}

/** How the caller authenticated: its session (for CSRF and logout) or an API token. */
export type Credential = { readonly kind: "token"; readonly id: number } | { readonly kind: "session"; readonly id: string; readonly csrf: string };

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    credential?: Credential;
  }
  interface FastifyContextConfig {
    /** Reached without credentials: login, the OpenAPI document, the docs page. */
    public?: boolean;
  }
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
  }
}

/** The authenticated caller (the auth hook ran before any handler). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error("API route reached without authentication");
  return request.principal;
}

/** Who makes a change through the API, for the audit log: the user, via api, from the client's address. */
export function actorOf(request: FastifyRequest): Actor {
  return { name: principalOf(request).name, via: "api", from: clientAddress(request.ip) };
}
