import type { RouteOptions } from "fastify";

/** What the document needs of a registered route (fastify's onRoute hands over the route's options). */
export type CollectedRoute = Pick<RouteOptions, "method" | "url" | "schema" | "config">;

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined => (value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined);

function parameters(schema: unknown, where: "path" | "query"): Json[] {
  const object = asObject(schema);
  const properties = asObject(object?.["properties"]) ?? {};
  const required = Array.isArray(object?.["required"]) ? (object["required"] as string[]) : [];
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = asObject(property) ?? {};
    return { name, in: where, required: where === "path" || required.includes(name), schema: rest, ...(typeof description === "string" ? { description } : {}) };
  });
}

function responses(schema: unknown, url: string): Json {
  const declared = asObject(schema);
  if (!declared) {
    return { 200: { description: url.endsWith("/log") ? "text/plain" : "OK", content: { [url.endsWith("/log") ? "text/plain" : "application/json"]: { schema: { type: "string" } } } } };
  }
  const out: Json = {};
  for (const [status, body] of Object.entries(declared)) {
    const code = status.toUpperCase();
    const media = url.endsWith("/stream") && code === "200" ? "text/event-stream" : "application/json";
    const description = asObject(body)?.["description"];
    out[code] = { description: typeof description === "string" ? description : code.startsWith("2") ? "OK" : "refused: { code, message, hint }", content: { [media]: { schema: body } } };
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the API, made from the routes' own JSON schemas (3.1 takes JSON
 * Schema as it is), so the document cannot drift from what the server checks. Pure.
 */
export function openApiDocument(routes: readonly CollectedRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((method) => method !== "HEAD");
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const schema = asObject(route.schema) ?? {};
    const isPublic = asObject(route.config)?.["public"] === true;
    for (const method of methods) {
      const operation: Json = {
        summary: schema["summary"] ?? "",
        ...(Array.isArray(schema["tags"]) ? { tags: schema["tags"] } : {}),
        parameters: [...parameters(schema["params"], "path"), ...parameters(schema["querystring"], "query")],
        ...(schema["body"] ? { requestBody: { required: true, content: { "application/json": { schema: schema["body"] } } } } : {}),
        responses: responses(schema["response"], route.url),
        security: isPublic ? [] : [{ bearer: [] }, { session: [] }],
      };
      paths[path] = { ...paths[path], [method.toLowerCase()]: operation };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "sysclone management API",
      version,
      description: "Bearer API tokens (sysclone token add) or a browser session (POST /api/v1/session; POST, PATCH and DELETE then need x-csrf-token). Refusals are { code, message, hint }; a node outside the caller's scope is 404, as if it did not exist.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "an API token, sct_…" },
        session: { type: "apiKey", in: "cookie", name: "sysclone_session" },
      },
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

const text = (value: unknown): string => (typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "");

const escapeHtml = (raw: string): string => raw.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A page that reads like the document, with no script and nothing fetched from elsewhere. Pure. */
export function docsPage(document: Json): string {
  const sections: string[] = [];
  for (const [path, operations] of Object.entries(asObject(document["paths"]) ?? {})) {
    for (const [method, raw] of Object.entries(asObject(operations) ?? {})) {
      const operation = asObject(raw) ?? {};
      const params = (operation["parameters"] as Json[] | undefined) ?? [];
      const rows = params.map((p) => `<tr><td><code>${escapeHtml(text(p["name"]))}</code></td><td>${escapeHtml(text(p["in"]))}</td><td>${p["required"] === true ? "yes" : ""}</td><td>${escapeHtml(text(p["description"]))}</td></tr>`).join("");
      const body = asObject(asObject(asObject(operation["requestBody"])?.["content"])?.["application/json"])?.["schema"];
      const ok = Object.entries(asObject(operation["responses"]) ?? {}).filter(([code]) => code.startsWith("2"));
      sections.push(`<section id="${escapeHtml(`${method}-${path}`)}">
<h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${(operation["security"] as unknown[] | undefined)?.length === 0 ? " <small>(no credentials)</small>" : ""}</h3>
<p>${escapeHtml(text(operation["summary"]))}</p>
${rows ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th></th></tr>${rows}</table>` : ""}
${body ? `<details><summary>request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ""}
${ok.map(([code, response]) => `<details><summary>${escapeHtml(code)} answer</summary><pre>${escapeHtml(JSON.stringify(asObject(response)?.["content"], null, 2))}</pre></details>`).join("\n")}
</section>`);
    }
  }
  const info = asObject(document["info"]) ?? {};
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(text(info["title"]) || "API")}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.5rem;overflow:auto}section{border-top:1px solid #ddd;padding:.3rem 0}.m{display:inline-block;min-width:4.5rem;color:#05a}table{border-collapse:collapse}td,th{padding:.1rem .6rem;text-align:left;border-bottom:1px solid #eee}</style>
</head><body>
<h1>${escapeHtml(text(info["title"]))} <small>${escapeHtml(text(info["version"]))}</small></h1>
<p>${escapeHtml(text(info["description"]))}</p>
<p>The machine-readable document: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1).</p>
${sections.join("\n")}
</body></html>
`;
}
