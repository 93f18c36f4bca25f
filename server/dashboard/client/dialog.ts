/** A modal confirmation (<dialog>: focus stays inside, Escape cancels); resolves true only on the confirm button. */
import { h } from "./dom.js";

export function confirmDialog(title: string, body: (Node | string)[], confirmLabel: string, options: { danger?: boolean } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = h("button", { type: "button", value: "cancel" }, "Cancel");
    const confirm = h("button", { type: "button", value: "confirm", class: options.danger ? "danger" : "primary" }, confirmLabel);
    const dialog = h("dialog", { "aria-labelledby": "dialog-title", class: "confirm" },
      h("h2", { id: "dialog-title" }, title),
      h("div", { class: "dialog-body" }, body),
      h("div", { class: "buttons" }, cancel, confirm),
    );
    const close = (answer: boolean): void => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => close(false));
    confirm.addEventListener("click", () => close(true));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
