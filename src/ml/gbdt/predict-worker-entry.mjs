// Worker threads start without the parent's TypeScript loader: register tsx, then load the worker; a failure
// to load is sent to the parent instead of "ready".
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

try {
  register();
  await import("./predict-worker.ts");
} catch (error) {
  parentPort?.postMessage(String(error?.stack ?? error));
}
