// One tab of the projections panel: a method's controls.

export interface Tab {
  method: string;
  title: string;
  body: HTMLElement;
  /** Called when the user opens the tab (PCA shows itself at once; the others wait for Run). */
  onOpen?: () => void;
}
