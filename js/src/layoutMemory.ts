// What the user folded away: the side panels and the sections inside them. Remembered in the
// browser (localStorage), so a reload or a new widget keeps the layout the user chose. These
// are the user's preferences for the page, not the data's: they stay out of the widget's state.

const KEY = "nbprojector.layout";

interface Layout {
  /** Panels hidden ("left", "right"). */
  panels: string[];
  /** Section titles folded, and those unfolded that start folded. */
  folded: string[];
  unfolded: string[];
}

/** Sections folded until the user opens them: the panels then fit a normal window. */
const FOLDED_AT_FIRST = ["Points and labels", "Clusters"];

function load(): Layout {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    return { panels: list(saved.panels), folded: list(saved.folded), unfolded: list(saved.unfolded) };
  } catch {
    return { panels: [], folded: [], unfolded: [] }; // storage blocked or unreadable: defaults
  }
}

function save(change: (layout: Layout) => void): void {
  const layout = load();
  change(layout);
  try {
    localStorage.setItem(KEY, JSON.stringify(layout));
  } catch {
    // Storage blocked (private mode, sandboxed frame): the choice lasts until the reload.
  }
}

function toggled(list: string[], item: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== item);
  return on ? [...rest, item] : rest;
}

/** Show or hide `panel` with `button`; the choice is remembered. */
export function bindPanelToggle(button: HTMLButtonElement, panel: HTMLElement, name: string): void {
  const apply = (hidden: boolean) => {
    panel.classList.toggle("nbp-collapsed", hidden);
    button.setAttribute("aria-pressed", String(!hidden));
    button.classList.toggle("nbp-on", !hidden);
  };
  apply(load().panels.includes(name));
  button.addEventListener("click", () => {
    const hidden = !panel.classList.contains("nbp-collapsed");
    apply(hidden);
    save((layout) => (layout.panels = toggled(layout.panels, name, hidden)));
  });
}

/** Make a section's heading fold and unfold it; the choice is remembered by its title. */
export function foldable(section: HTMLElement, heading: HTMLButtonElement, title: string): void {
  const apply = (folded: boolean) => {
    section.classList.toggle("nbp-folded", folded);
    heading.setAttribute("aria-expanded", String(!folded));
  };
  const saved = load();
  apply(saved.folded.includes(title) || (FOLDED_AT_FIRST.includes(title) && !saved.unfolded.includes(title)));
  heading.addEventListener("click", () => {
    const folded = !section.classList.contains("nbp-folded");
    apply(folded);
    save((layout) => {
      layout.folded = toggled(layout.folded, title, folded);
      layout.unfolded = toggled(layout.unfolded, title, !folded);
    });
  });
}
