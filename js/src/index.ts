// anywidget entry: initialize() wires one message listener per model; render() mounts a view.

import type { Model } from "./model";
import { attachRpc, detachRpc, rpcFor } from "./rpc";
import { ProjectorView } from "./view";

export default {
  initialize({ model }: { model: Model }) {
    attachRpc(model);
    return () => detachRpc(model);
  },
  render({ model, el }: { model: Model; el: HTMLElement }) {
    const view = new ProjectorView(model, el, rpcFor(model));
    return () => view.dispose();
  },
};
