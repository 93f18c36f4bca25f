/** Problems as they happen, whatever page is open: a failed install, a refused boot or identity, a refused host key. */
import { h, replace } from "./dom.js";
import type { Live } from "./live.js";
import type { ApiEvent, EventKind } from "./types.js";

const problems: ReadonlySet<string> = new Set<EventKind>(["fail", "boot-refused", "identity-conflict", "hostkey-refused", "updatenode-failed", "discovered-full", "power-failed"]);
/** Alerts kept on screen at most; the oldest goes first. */
const KEEP = 4;

export function showAlerts(region: HTMLElement, live: Live): () => void {
  const shown: ApiEvent[] = [];
  const draw = (): void => {
    replace(region, shown.map((event) => h("div", { class: "alert", role: "alert" },
      h("span", {}, event.node ? h("a", { href: `#/nodes/${encodeURIComponent(event.node)}` }, event.node) : null, event.node ? ": " : "", event.message),
      h("button", { type: "button", class: "dismiss", "aria-label": "Dismiss", onclick: () => { shown.splice(shown.indexOf(event), 1); draw(); } }, "×"),
    )));
  };
  const unsubscribe = live.subscribe((event) => {
    if (!problems.has(event.kind)) return;
    shown.push(event);
    if (shown.length > KEEP) shown.shift();
    draw();
  });
  return () => {
    unsubscribe();
    replace(region);
  };
}
