/** The dashboard's entry: the session, the header, the live stream, and a hash router over the pages. */
import { ApiError, createApi } from "./api.js";
import type { Context, Page } from "./context.js";
import { h, notice, replace } from "./dom.js";
import { showAlerts } from "./alerts.js";
import { openLive, type Live } from "./live.js";
import { loginPage } from "./pages/login.js";
import { fleetPage } from "./pages/fleet.js";
import { nodePage } from "./pages/node.js";
import { imagesPage } from "./pages/images.js";
import { discoveredPage } from "./pages/discovered.js";
import type { Session } from "./types.js";

const routes: Record<string, Page> = { "": fleetPage, nodes: nodePage, images: imagesPage, discovered: discoveredPage };

function parseHash(hash: string): { route: string[]; params: URLSearchParams } {
  const [pathPart = "", query = ""] = hash.replace(/^#\/?/, "").split("?");
  return { route: pathPart.split("/").filter((p) => p !== "").map(decodeURIComponent), params: new URLSearchParams(query) };
}

async function start(): Promise<void> {
  const header = document.getElementById("top");
  const main = document.getElementById("main");
  const announcer = document.getElementById("announce");
  const alerts = document.getElementById("alerts");
  if (!header || !main || !announcer || !alerts) return;
  let hideAlerts = (): void => undefined;
  let session: Session | undefined;
  let live: Live | undefined;
  let cleanups: (() => void)[] = [];
  let shown = 0;
  /** Back to the login page: the stream closed, the alerts gone. */
  const endSession = (): void => {
    session = undefined;
    live?.close();
    live = undefined;
    hideAlerts();
    void render();
  };
  const api = createApi(endSession);
  const title = (text: string): void => {
    document.title = `${text} · sysclone`;
    announcer.textContent = text;
  };
  const renderHeader = (current: Session | undefined, state = ""): void => {
    replace(header,
      h("a", { href: "#/", class: "brand" }, "sysclone"),
      current && h("nav", { "aria-label": "Main" }, h("a", { href: "#/" }, "Fleet"), h("a", { href: "#/images" }, "Images"), h("a", { href: "#/discovered" }, "Discovered"), h("a", { href: "/api/v1/docs" }, "API")),
      current && h("span", { class: `live ${state}`, title: "event stream" }, state === "live" ? "● live" : state ? `○ ${state}` : ""),
      current && h("span", { class: "who" }, `${current.user} (${current.role}${current.groups.length > 0 ? `: ${current.groups.join(", ")}` : ""})`),
      current && h("button", { type: "button", onclick: () => void api.logout().then(endSession) }, "Log out"),
    );
  };
  const render = async (): Promise<void> => {
    const ticket = ++shown;
    cleanups.forEach((cleanup) => cleanup());
    cleanups = [];
    if (!session) {
      renderHeader(undefined);
      const view = h("div");
      replace(main, view);
      loginPage(view, title, async (user, password) => {
        session = await api.login(user, password);
        await render();
      });
      return;
    }
    if (!live) {
      live = openLive();
      const current = session;
      live.onState((state) => renderHeader(current, state));
      hideAlerts();
      hideAlerts = showAlerts(alerts, live);
      renderHeader(current, "connecting");
    }
    const { route, params } = parseHash(location.hash);
    const page = routes[route[0] ?? ""];
    // Each page writes into its own element: a slow page left behind writes into a detached one.
    const view = h("div", {}, h("p", { class: "loading" }, "Loading…"));
    replace(main, view);
    const ctx: Context = { api, session, live, onLeave: (cleanup) => cleanups.push(cleanup), title };
    try {
      if (!page) throw new ApiError(404, "NOT_FOUND", `no page ${location.hash}`, "use the links above");
      await page(ctx, view, params, ...route.slice(1));
    } catch (error) {
      if (ticket !== shown) return;
      const problem = error instanceof ApiError ? error : new ApiError(0, "CLIENT", error instanceof Error ? error.message : String(error), undefined);
      if (problem.status === 401) return;
      title(problem.status === 404 ? "Not found" : "Error");
      replace(view, h("h1", {}, problem.status === 404 ? "Not found" : "Something went wrong"), notice("error", problem.message, problem.hint));
    }
  };
  window.addEventListener("hashchange", () => void render());
  try {
    session = await api.resume();
  } catch (error) {
    replace(main, notice("error", `the server cannot be reached: ${error instanceof Error ? error.message : String(error)}`));
    return;
  }
  await render();
}

void start();
