// A Workspace helper thread: waits for a job in its control words, runs it on the shared buffers, answers.
import { workerData } from "node:worker_threads";
import { buildHistogram } from "./histogram.ts";
import { loglossGradients } from "./objective.ts";
import { gather, scatter } from "./partition.ts";
import { CONTROL, JOB, STATE, type WorkerSetup } from "./worker-protocol.ts";

const setup = workerData as WorkerSetup;
const { control } = setup;
const slots = { data: setup.slots, cols: setup.cols, histStart: setup.histStart };

Atomics.store(control, CONTROL.state, STATE.ready);
Atomics.notify(control, CONTROL.state);
let seen = 0;
for (;;) {
  Atomics.wait(control, CONTROL.seq, seen);
  seen = Atomics.load(control, CONTROL.seq);
  const job = control[CONTROL.job];
  if (job === JOB.exit) break;
  const begin = control[CONTROL.begin] as number;
  const end = control[CONTROL.end] as number;
  try {
    if (job === JOB.histogram) {
      const features = setup.features.subarray(0, control[CONTROL.features]);
      buildHistogram(setup.hist, slots, features, setup.order, begin, end, setup.gradHess);
    } else if (job === JOB.gradients) {
      const { margin, labels, weights, scalePosWeight, gradHess } = setup;
      loglossGradients(margin, labels, weights, scalePosWeight, gradHess, begin, end);
    } else if (job === JOB.scatter) {
      const { order, columns, rows, goesLeft, lefts, rights } = setup;
      const f = control[CONTROL.feature] as number;
      const column = columns.subarray(f * rows, (f + 1) * rows);
      control[CONTROL.lefts] = scatter({ order, column, goesLeft, lefts, rights }, begin, end);
    } else if (job === JOB.gather) {
      const [count, leftAt, rightAt] = [CONTROL.lefts, CONTROL.leftAt, CONTROL.rightAt].map(
        (w) => control[w] as number,
      );
      gather(
        setup.order,
        setup.lefts,
        setup.rights,
        begin,
        end,
        count as number,
        leftAt as number,
        rightAt as number,
      );
    } else throw new Error(`unknown job ${job}`);
  } catch (error) {
    const message = new TextEncoder()
      .encode(String((error as Error)?.stack ?? error))
      .slice(0, setup.error.length);
    setup.error.set(message);
    Atomics.store(control, CONTROL.errorLength, message.length);
    Atomics.store(control, CONTROL.state, STATE.failed);
  }
  Atomics.store(control, CONTROL.done, seen);
  Atomics.notify(control, CONTROL.done);
}
