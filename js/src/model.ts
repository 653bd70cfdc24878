// The small slice of anywidget's model interface the widget uses.

export interface Model {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, callback: (...args: any[]) => void): void;
  off(event?: string | null, callback?: ((...args: any[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: (ArrayBuffer | ArrayBufferView)[]): void;
}

/** Set a trait and sync it to Python in one step. */
export function write(model: Model, name: string, value: unknown): void {
  model.set(name, value);
  model.save_changes();
}
