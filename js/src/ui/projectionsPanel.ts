// The projections panel: one tab per method; each tab is its own module.

import type { Ctx } from "../context";
import { h, section } from "../dom";
import { customTab } from "./customTab";
import { pcaTab } from "./pcaTab";
import { tsneTab } from "./tsneTab";
import type { Tab } from "./tab";
import { umapTab } from "./umapTab";

export function projectionsPanel(ctx: Ctx): HTMLElement {
  const tabs: Tab[] = [pcaTab(ctx), tsneTab(ctx), umapTab(ctx), customTab(ctx)];
  const bar = h("div", { class: "nbp-tabs", role: "tablist" });
  const bodies = h("div", { class: "nbp-tab-bodies" });
  const buttons = tabs.map((tab) => {
    const button = h("button", { class: "nbp-tab", role: "tab", "data-method": tab.method, text: tab.title });
    button.addEventListener("click", () => {
      show(tab.method);
      tab.onOpen?.();
    });
    bar.append(button);
    tab.body.dataset.method = tab.method;
    bodies.append(tab.body);
    return button;
  });
  const show = (method: string) => {
    tabs.forEach((tab, i) => {
      const on = tab.method === method;
      tab.body.hidden = !on;
      buttons[i].setAttribute("aria-selected", String(on));
    });
  };
  const current = () => (ctx.model.get("projection")?.method as string) ?? "pca";
  let shown = tabs.some((t) => t.method === current()) ? current() : tabs[0].method;
  show(shown);
  // A projection of another method (run from Python, a bookmark) opens its tab; a new layout
  // of the same method leaves the user's open tab alone.
  ctx.listen("change:projection", () => {
    const method = current();
    if (method === shown || !tabs.some((t) => t.method === method)) return;
    shown = method;
    show(method);
  });
  return section("Projections", bar, bodies);
}
