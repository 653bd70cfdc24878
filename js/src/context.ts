// What every panel gets: the model, the request channel, and a way to tell the user things.

import type { Model } from "./model";
import type { Rpc } from "./rpc";

export interface Ctx {
  model: Model;
  rpc: Rpc;
  /** Show a message in the widget. An error goes once any of the events `staleOn` fires
   * (default: the projection, selection, isolation or embedding changed), as it then no
   * longer describes what is shown; a click or the next message also removes it. */
  notify(message: string, kind?: "error" | "info", staleOn?: string[]): void;
  /** Subscribe to a model event for the lifetime of the view. */
  listen(event: string, callback: () => void): void;
}
