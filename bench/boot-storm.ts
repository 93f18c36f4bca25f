import http from "node:http";

/**
 * An open-loop PXE storm, in a process of its own: machine i arrives at i × SPREAD / COUNT ms whatever
 * the server's pace, asks /boot.ipxe, then /boot with its MAC, then fetches the kernel and initrd the
 * answer names (bytes counted, not kept): `node boot-storm.js BASEURL SPREADMS MAC...`.
 * Prints one JSON line: per-request /boot latencies, errors, bytes and when the last machine had both files.
 */
const [base = "", spreadText = "2000", ...macs] = process.argv.slice(2);
const spread = Number(spreadText);

interface Fetched {
  readonly status: number;
  readonly body: string;
  readonly bytes: number;
}

function get(agent: http.Agent, url: string, keepBody: boolean): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const at = performance.now();
    const fail = (error: Error): void => reject(new Error(`${new URL(url).pathname}: ${error.message} after ${(performance.now() - at).toFixed(0)} ms`));
    const request = http.get(url, { agent }, (response) => {
      let body = "";
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) body += chunk.toString();
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, bytes }));
      response.on("error", fail);
    });
    request.on("error", fail);
  });
}

const bootMs: number[] = [];
const errors: string[] = [];
let bytes = 0;
let lastDone = 0;
const start = performance.now();

async function machine(mac: string, index: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, (index * spread) / macs.length));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const chain = await get(agent, `${base}/boot.ipxe`, true);
    if (chain.status !== 200) throw new Error(`boot.ipxe: HTTP ${chain.status}`);
    const asked = performance.now();
    const answer = await get(agent, `${base}/boot?mac=${mac.replace(/:/g, "-")}&uuid=&serial=`, true);
    bootMs.push(performance.now() - asked);
    if (answer.status !== 200) throw new Error(`/boot: HTTP ${answer.status}`);
    const kernel = /^kernel (\S+)/m.exec(answer.body)?.[1];
    const initrd = /^initrd (?:--name \S+ )?(\S+)/m.exec(answer.body)?.[1];
    if (kernel === undefined || initrd === undefined) throw new Error(`/boot named no kernel and initrd: ${answer.body.split("\n")[1] ?? ""}`);
    for (const url of [kernel, initrd]) {
      const file = await get(agent, url, false);
      if (file.status !== 200) throw new Error(`${url}: HTTP ${file.status}`);
      bytes += file.bytes;
    }
    lastDone = Math.max(lastDone, performance.now() - start);
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  } finally {
    agent.destroy();
  }
}

await Promise.all(macs.map(machine));
console.log(JSON.stringify({ machines: macs.length, bootMs, errors, bytes, lastDoneMs: lastDone }));
