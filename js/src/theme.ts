// Light and dark. The `theme` trait is "auto", "light" or "dark". "auto" follows the
// host: JupyterLab's and Notebook 7's --jp-* theme variables where they are defined (the CSS
// uses them directly, so a theme switch at run time recolours the panels by itself; the WebGL
// background is read again when the host says its theme changed), else VS Code's body classes,
// a "dark" class or data-theme on <html> / <body> (marimo and other hosts), else the system's
// preference. Nothing here is specific to one host: what is missing is simply not found.

export type Scheme = "light" | "dark";

/** Where "auto" takes its colours from: the host's Jupyter variables, or our own palette. */
export type HostTheme = "jupyter" | Scheme;

function darkFromAttributes(node: HTMLElement): Scheme | null {
  const cls = node.classList;
  if (cls.contains("vscode-high-contrast-light") || cls.contains("vscode-light")) return "light";
  if (cls.contains("vscode-dark") || cls.contains("vscode-high-contrast")) return "dark";
  const declared = node.getAttribute("data-theme") ?? node.getAttribute("theme") ?? node.style.colorScheme;
  if (declared === "dark" || declared === "light") return declared;
  if (cls.contains("dark") || cls.contains("dark-theme")) return "dark";
  if (cls.contains("light") || cls.contains("light-theme")) return "light";
  return null;
}

/** The host's theme as seen from `el` (its computed style sees JupyterLab's variables). */
export function hostTheme(el: HTMLElement): HostTheme {
  if (getComputedStyle(el).getPropertyValue("--jp-layout-color0").trim()) return "jupyter";
  for (const node of [document.body, document.documentElement]) {
    const found = node && darkFromAttributes(node);
    if (found) return found;
  }
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Light or dark, as a person sees it: for Jupyter, what JupyterLab says of its theme, or
 * (hosts that define JupyterLab's variables without saying) how light the background is. */
export function schemeOf(theme: string, host: HostTheme, root?: HTMLElement): Scheme {
  if (theme === "light" || theme === "dark") return theme;
  if (host !== "jupyter") return host;
  const said = document.body?.dataset.jpThemeLight;
  if (said === "true" || said === "false") return said === "true" ? "light" : "dark";
  const rgb = (root ? getComputedStyle(root).backgroundColor : "").match(/[\d.]+/g)?.map(Number);
  if (!rgb || rgb.length < 3 || rgb[3] === 0) return "light";
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128 ? "dark" : "light";
}

/** Set the attributes the stylesheet keys on; returns the scheme shown. */
export function applyThemeAttributes(root: HTMLElement, theme: string): Scheme {
  root.dataset.theme = theme;
  const host = hostTheme(root);
  root.dataset.hostTheme = host;
  const scheme = schemeOf(theme, host, root);
  root.dataset.scheme = scheme;
  return scheme;
}

/**
 * Call `onChange` whenever the host's theme may have changed: JupyterLab's theme switch sets
 * `data-jp-theme-light` / `data-jp-theme-name` on <body> and swaps its stylesheet (the new
 * variables may land a moment after the attributes, so they are read again shortly after);
 * VS Code swaps body classes; others toggle a class or data-theme; the system preference
 * has its own event. Returns a function that stops watching.
 */
export function watchHostTheme(onChange: () => void): () => void {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const fire = () => {
    onChange();
    for (const ms of [60, 300, 1000]) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        onChange();
      }, ms);
      timers.add(timer);
    }
  };
  const observer = new MutationObserver(fire);
  const attributeFilter = ["class", "data-jp-theme-light", "data-jp-theme-name", "data-theme", "theme", "style"];
  for (const node of [document.body, document.documentElement]) {
    if (node) observer.observe(node, { attributes: true, attributeFilter });
  }
  const media = window.matchMedia?.("(prefers-color-scheme: dark)");
  media?.addEventListener?.("change", fire);
  return () => {
    observer.disconnect();
    media?.removeEventListener?.("change", fire);
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
