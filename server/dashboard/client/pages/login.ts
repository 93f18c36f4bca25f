/** Login: user and password to POST /api/v1/session; the cookie is HttpOnly, the CSRF token kept in memory. */
import { ApiError } from "../api.js";
import { h, notice, replace } from "../dom.js";

export function loginPage(main: HTMLElement, title: (text: string) => void, login: (user: string, password: string) => Promise<void>): void {
  title("Log in");
  const status = h("div", { class: "status" });
  const user = h("input", { id: "login-user", name: "user", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit" }, "Log in");
  const form = h("form", { class: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Log in to sysclone"),
    h("label", { for: "login-user" }, "User"), user,
    h("label", { for: "login-password" }, "Password"), password,
    submit, status,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    replace(status);
    login(user.value, password.value).catch((error: unknown) => {
      submit.disabled = false;
      const problem = error instanceof ApiError ? error : undefined;
      const text = problem?.status === 429 ? "Too many attempts; wait a minute and try again." : problem?.status === 401 ? "Wrong user or password." : (problem?.message ?? String(error));
      replace(status, notice("error", text));
      password.select();
    });
  });
  replace(main, form);
  user.focus();
}
