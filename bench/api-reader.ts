import http from "node:http";

/**
 * Server-Sent Event readers for the api benchmark, in their own process so that reading does not
 * compete with the benchmark's other work: `node api-reader.js PORT TOKEN CLIENTS FROM UNTIL DRAIN`.
 * Each event's message carries the wall-clock time it was written (t=…); the events written between
 * FROM and UNTIL (epoch ms) are counted and timed from write to arrival. It waits for them until
 * UNTIL + DRAIN, then prints one JSON line: clients connected, frames of the window received, and a
 * histogram of their latencies in whole ms.
 */
const [port = "0", token = "", clientsText = "1", fromText = "0", untilText = "0", drainText = "5000"] = process.argv.slice(2);
const from = Number(fromText);
const until = Number(untilText);
const histogram = new Map<number, number>();
let connected = 0;
let received = 0;
const nowMs = (): number => performance.timeOrigin + performance.now();
const requests = Array.from({ length: Number(clientsText) }, () => {
  const request = http.get({ host: "127.0.0.1", port: Number(port), path: "/api/v1/events/stream", headers: { authorization: `Bearer ${token}` } }, (response) => {
    if (response.statusCode === 200) connected++;
    let rest = "";
    response.on("data", (chunk: Buffer) => {
      const arrived = nowMs();
      const text = rest + chunk.toString("latin1");
      const end = text.lastIndexOf("\n\n");
      if (end < 0) {
        rest = text;
        return;
      }
      rest = text.slice(end + 2);
      for (const match of text.slice(0, end).matchAll(/t=(\d+\.\d+)/g)) {
        const written = Number(match[1]);
        if (written < from || written >= until) continue;
        received++;
        const ms = Math.max(0, Math.floor(arrived - written));
        histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
      }
    });
  });
  request.on("error", () => undefined);
  return request;
});
setTimeout(() => {
  for (const request of requests) request.destroy();
  console.log(JSON.stringify({ connected, received, histogram: [...histogram] }));
}, Math.max(0, until + Number(drainText) - Date.now()));
