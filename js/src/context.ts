// What every panel gets: the model, the request channel, and a way to tell the user things.

import type { Model } from "./model";
import type { Rpc } from "./rpc";

export interface Ctx {
  model: Model;
  rpc: Rpc;
  /** Show a message in the widget (errors stay until the next action or a click). */
  notify(message: string, kind?: "error" | "info"): void;
  /** Subscribe to a model event for the lifetime of the view. */
  listen(event: string, callback: () => void): void;
}
