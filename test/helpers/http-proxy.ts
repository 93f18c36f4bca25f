import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";

/**
 * What the proxy does with one request:
 * - pass: forward it and stream the answer back;
 * - refuse: cut the connection at once, as a server that is away;
 * - lose-answer: forward it, let the server answer, then cut the connection before the node hears;
 * - rewrite: forward it and pass the answer on with its body changed (headers kept: a man in the middle).
 */
export type ProxyAction = { kind: "pass" } | { kind: "refuse" } | { kind: "lose-answer" } | { kind: "rewrite"; body: (body: Buffer) => Buffer };

export interface ProxyRequest {
  readonly method: string;
  readonly path: string;
  /** How many requests with this method and path came before this one. */
  readonly seen: number;
}

export interface HttpProxy {
  readonly url: string;
  /** Decides each request's fate; passes everything by default. */
  rule: (request: ProxyRequest) => ProxyAction;
  /** "METHOD path action" for every request so far. */
  readonly log: string[];
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
}

/**
 * A tiny HTTP proxy between virtual nodes and the server, for tests: tampering and outages on demand. It reaches
 * the server from its own address (`host`), so the server binds tokens to it; `tcpPorts` (the rsync daemon's) are
 * forwarded untouched from that address too, so a node's rsync comes from where its token is bound.
 */
export async function startHttpProxy(host: string, port: number, upstream: { host: string; port: number }, tcpPorts: readonly number[] = []): Promise<HttpProxy> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const forward = (req: IncomingMessage, res: ServerResponse, action: ProxyAction): void => {
    const upstreamRequest = httpRequest({ host: upstream.host, port: upstream.port, localAddress: host, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (action.kind === "pass") {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        if (action.kind === "lose-answer") {
          req.socket.destroy();
          return;
        }
        const body = action.kind === "rewrite" ? action.body(Buffer.concat(chunks)) : Buffer.concat(chunks);
        const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => name !== "transfer-encoding"));
        res.writeHead(answer.statusCode ?? 502, { ...headers, "content-length": String(body.length) });
        res.end(body);
      });
    });
    upstreamRequest.on("error", () => req.socket.destroy());
    req.pipe(upstreamRequest);
  };
  const proxy: HttpProxy = {
    url: `http://${host}:${port}`,
    rule: () => ({ kind: "pass" }),
    log: [],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      for (const listening of [server, ...forwards]) await new Promise<void>((resolve) => listening.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const key = `${req.method ?? "GET"} ${req.url ?? "/"}`;
    const seen = counts.get(key) ?? 0;
    counts.set(key, seen + 1);
    const action = proxy.rule({ method: req.method ?? "GET", path: req.url ?? "/", seen });
    proxy.log.push(`${key} ${action.kind}`);
    if (action.kind === "refuse") {
      req.socket.destroy();
      return;
    }
    forward(req, res, action);
  });
  server.on("connection", track);
  const forwards = tcpPorts.map((tcpPort) =>
    createTcpServer((socket) => {
      track(socket);
      const onward = connect({ host: upstream.host, port: tcpPort, localAddress: host });
      track(onward);
      const end = (): void => {
        socket.destroy();
        onward.destroy();
      };
      socket.on("error", end);
      onward.on("error", end);
      socket.pipe(onward).pipe(socket);
    }),
  );
  await listen(server, host, port);
  for (const [i, forwarder] of forwards.entries()) await listen(forwarder, host, tcpPorts[i] ?? 0);
  return proxy;
}
