// Bookmarks: add, rename, delete, restore; download and load the file; step and play back.
// Python holds the bookmarks; this panel shows their summaries and asks for actions.

import { bytes } from "../codecs";
import type { Ctx } from "../context";
import { h, section } from "../dom";
import { plural } from "./progressLine";

interface Summary {
  name: string;
  method: string;
  dims: number;
  selected: number;
  isolated: number | null;
}

const METHOD_NAMES: Record<string, string> = { pca: "PCA", tsne: "t-SNE", umap: "UMAP", custom: "Custom" };

export function bookmarksPanel(ctx: Ctx): HTMLElement {
  const { model, rpc } = ctx;
  const list = h("ol", { class: "nbp-bookmarks" });
  const add = h("button", { class: "nbp-bookmark-add", title: "Save the current view", text: "Add" });
  const download = h("button", { class: "nbp-bookmark-save", title: "Download every bookmark as a JSON file", text: "Save file" });
  const fileInput = h("input", { type: "file", accept: ".json,application/json", hidden: true });
  const upload = h("button", { class: "nbp-bookmark-load", title: "Add the bookmarks of a file (nbprojector's or TensorBoard's)", text: "Load file" });
  const prev = h("button", { class: "nbp-bookmark-prev", title: "Previous bookmark", text: "◀" });
  const next = h("button", { class: "nbp-bookmark-next", title: "Next bookmark", text: "▶" });
  const play = h("button", { class: "nbp-bookmark-play", title: "Play the bookmarks in turn", text: "Play" });
  const interval = h("input", { class: "nbp-bookmark-interval", type: "number", min: 0.5, max: 60, step: 0.5, value: 2, title: "Seconds per bookmark" });
  let current = -1;
  let timer: ReturnType<typeof setInterval> | undefined;

  const fail = (err: Error) => ctx.notify(err.message, "error");
  const summaries = (): Summary[] => model.get("bookmarks") ?? [];
  const restore = (index: number) => {
    const all = summaries();
    if (!all.length) return Promise.resolve();
    current = ((index % all.length) + all.length) % all.length;
    markCurrent(); // the rows stay: a double-click's second click lands on the same name
    return rpc.request("bookmark", { action: "restore", which: current }).then(() => undefined, fail);
  };
  const markCurrent = () => [...list.children].forEach((item, i) => item.classList.toggle("nbp-current", i === current));
  const stopPlaying = () => {
    clearInterval(timer);
    timer = undefined;
    play.textContent = "Play";
    play.classList.remove("nbp-on");
  };

  add.addEventListener("click", () => rpc.request("bookmark", { action: "add" }).then(({ result }) => {
    if ("name" in result) current = summaries().findIndex((s) => s.name === result.name);
    render();
  }, fail));
  download.addEventListener("click", () => {
    const blob = new Blob([bytes(model.get("_bookmark_file")) as BlobPart], { type: "application/json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: "bookmarks.json" });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  upload.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    fileInput.value = "";
    if (!file) return;
    const data = new Uint8Array(await file.arrayBuffer());
    rpc.request("bookmark", { action: "load" }, [data]).then(({ result }) => {
      if ("added" in result) ctx.notify(`Loaded ${plural(result.added.length, "bookmark")} from ${file.name}`, "info");
    }, fail);
  });
  prev.addEventListener("click", () => restore(current - 1));
  next.addEventListener("click", () => restore(current + 1));
  play.addEventListener("click", () => {
    if (timer !== undefined) return stopPlaying();
    const seconds = Math.min(60, Math.max(0.5, Number(interval.value) || 2));
    play.textContent = "Stop";
    play.classList.add("nbp-on");
    restore(current + 1);
    timer = setInterval(() => restore(current + 1), seconds * 1000);
  });

  // A row: the name (click restores; double-click or the pencil renames) over what the
  // bookmark holds, then the rename and delete buttons.
  const row = (s: Summary, i: number) => {
    const name = h("button", { class: "nbp-bookmark-name", title: `Restore "${s.name}" (double-click to rename)`, text: s.name });
    const facts = `${METHOD_NAMES[s.method] ?? s.method} ${s.dims}D` + (s.selected ? ` · ${s.selected} selected` : "") +
      (s.isolated !== null ? ` · ${s.isolated} isolated` : "");
    const rename = h("button", { class: "nbp-bookmark-rename", title: "Rename", "aria-label": `Rename "${s.name}"`, text: "✎" });
    const remove = h("button", { class: "nbp-bookmark-delete", title: "Delete", "aria-label": `Delete "${s.name}"`, text: "×" });
    const startRename = () => {
      const input = h("input", { class: "nbp-bookmark-rename-input", type: "text", value: s.name, "aria-label": "Bookmark name" });
      let finished = false;
      const done = (save: boolean) => {
        if (finished) return;
        finished = true;
        if (save && input.value.trim() && input.value.trim() !== s.name) {
          rpc.request("bookmark", { action: "rename", which: i, name: input.value.trim() }).catch((err: Error) => {
            fail(err);
            render();
          });
        } else render();
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") done(true);
        if (e.key === "Escape") done(false);
      });
      input.addEventListener("blur", () => done(true));
      name.replaceWith(input);
      input.focus();
      input.select();
    };
    name.addEventListener("click", () => restore(i));
    name.addEventListener("dblclick", startRename);
    rename.addEventListener("click", startRename);
    remove.addEventListener("click", () => {
      if (i === current) current = -1;
      rpc.request("bookmark", { action: "delete", which: i }).catch(fail);
    });
    return h(
      "li",
      { class: "nbp-bookmark" },
      h("div", { class: "nbp-bookmark-main" }, name, h("span", { class: "nbp-bookmark-facts", text: facts })),
      rename,
      remove,
    );
  };
  const render = () => {
    const all = summaries();
    if (current >= all.length) current = all.length - 1;
    list.replaceChildren(...all.map(row));
    markCurrent();
    const none = all.length === 0;
    for (const b of [prev, next, play, download]) b.disabled = none;
    playback.hidden = none; // nothing to step through yet: room for the other panels
    if (none) stopPlaying();
  };
  const playback = h("div", { class: "nbp-row nbp-playback" }, prev, play, next, interval, h("span", { class: "nbp-note", text: "s" }));
  ctx.listen("change:bookmarks", render);
  render();
  return section("Bookmarks", h("div", { class: "nbp-row" }, add, download, upload, fileInput), list, playback);
}
