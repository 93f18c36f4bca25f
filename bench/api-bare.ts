import { readFileSync } from "node:fs";
import Fastify from "fastify";

/**
 * The floor for GET /api/v1/nodes: a bare fastify route answering the same JSON from memory (the
 * answer's object, serialized per request as any route's is; no auth, no store, no schema):
 * `node api-bare.js BODYFILE PORT`. Prints "listening" when ready.
 */
const [file = "", portText = "0"] = process.argv.slice(2);
const body = JSON.parse(readFileSync(file, "utf8")) as unknown;
const app = Fastify();
app.get("/api/v1/nodes", () => Promise.resolve(body));
await app.listen({ host: "127.0.0.1", port: Number(portText) });
console.log("listening");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
