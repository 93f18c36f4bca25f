import { Store } from "../src/store/store.js";

/**
 * Writes events into a sysclone database at a steady rate, as CLI commands beside `sysclone serve`
 * do (its own connection, its own process): `node api-writer.js DB RATE SECONDS NODES`. Each
 * event's message carries the wall-clock time it was written (ms, fractional), so a stream's reader
 * can tell how long delivery took. `FROM UNTIL` (epoch ms, optional): prints how many it wrote in
 * that window, else how many in all.
 */
const [database = "", rateText = "1000", secondsText = "10", nodesText = "1", fromText = "0", untilText = "Infinity"] = process.argv.slice(2);
const from = Number(fromText);
const until = Number(untilText);
let inWindow = 0;
const rate = Number(rateText);
const seconds = Number(secondsText);
const nodes = Number(nodesText);
const store = Store.open(database);
const now = (): number => performance.timeOrigin + performance.now();
const start = now();
let written = 0;
// Every millisecond or so, catch up with the schedule: rate events per second, spread evenly.
while (now() - start < seconds * 1000) {
  const due = Math.floor(((now() - start) / 1000) * rate);
  while (written < due) {
    const node = `n${String(written % nodes).padStart(5, "0")}`;
    const at = now();
    store.addEvent({ kind: "progress", node, osimage: "bench", message: `t=${at.toFixed(3)}` });
    if (at >= from && at < until) inWindow++;
    written++;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
store.close();
console.log(String(inWindow));
