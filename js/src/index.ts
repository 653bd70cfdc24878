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
    let view: ProjectorView;
    const mount = () => {
      view = new ProjectorView(model, el, rpcFor(model));
      // A view whose WebGL context is gone for good is rebuilt from the model on request.
      view.onRedraw = () => {
        view.dispose();
        mount();
      };
    };
    mount();
    // Called when the output goes: the view releases its WebGL context there and then.
    return () => view.dispose();
  },
};
