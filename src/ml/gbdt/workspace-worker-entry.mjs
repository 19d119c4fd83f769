// Worker threads start without the parent's TypeScript loader: register tsx, then load the worker. A failure
// to load is reported through the control words the parent waits on (indices and state value as in
// worker-protocol.ts: CONTROL.errorLength 7, CONTROL.state 6, STATE.failed 2).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

try {
  register();
  await import("./workspace-worker.ts");
} catch (error) {
  const message = new TextEncoder().encode(String(error?.stack ?? error)).slice(0, workerData.error.length);
  workerData.error.set(message);
  Atomics.store(workerData.control, 7, message.length);
  Atomics.store(workerData.control, 6, 2);
  Atomics.notify(workerData.control, 6);
}
