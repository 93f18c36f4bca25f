import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import Fastify from "fastify";

/**
 * The floor for the PXE front door: bare fastify routes on the same paths, answering a fixed iPXE
 * script (no store, no identity, no schema, no limits) and streaming the same kernel and initrd:
 * `node boot-bare.js PORT NETBOOTDIR SCRIPTFILE`. Prints "listening" when ready.
 */
const [portText = "0", netboot = "", scriptFile = ""] = process.argv.slice(2);
const script = readFileSync(scriptFile, "utf8");
const chain = `#!ipxe\nchain --autofree http://127.0.0.1:${portText}/boot?mac=\${netX/mac:hexhyp} || exit 1\n`;
const app = Fastify();
app.get("/boot.ipxe", (_request, reply) => reply.type("text/plain").header("cache-control", "no-store").send(chain));
app.get("/boot", (_request, reply) => reply.type("text/plain").header("cache-control", "no-store").send(script));
app.get<{ Params: { osimage: string; file: string } }>("/images/:osimage/:file", (request, reply) =>
  reply.type("application/octet-stream").send(createReadStream(path.join(netboot, request.params.file === "kernel" ? "kernel" : "initrd.img"))),
);
await app.listen({ host: "127.0.0.1", port: Number(portText) });
console.log("listening");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
