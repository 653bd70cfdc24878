// Tiny DOM helpers. Text always goes in as textContent, never as HTML: labels and metadata
// come from user data and must show as written.

import { foldable } from "./layoutMemory";

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** Replace a select's options, keeping the chosen value when it still exists. */
export function setOptions(
  select: HTMLSelectElement,
  options: { value: string; label: string }[],
  chosen: string,
): void {
  select.replaceChildren(...options.map((o) => h("option", { value: o.value, text: o.label })));
  select.value = options.some((o) => o.value === chosen) ? chosen : (options[0]?.value ?? "");
}

/** A titled section of a panel; its heading folds it away (remembered: layoutMemory.ts). */
export function section(title: string, ...children: Child[]): HTMLElement {
  const heading = h("button", { class: "nbp-section-toggle", type: "button", title: `Show or hide ${title.toLowerCase()}`, text: title });
  const box = h("section", { class: "nbp-section" }, h("h3", {}, heading), ...children);
  foldable(box, heading, title);
  return box;
}

export function field(label: string, control: HTMLElement): HTMLElement {
  return h("label", { class: "nbp-field" }, h("span", { text: label }), control);
}
